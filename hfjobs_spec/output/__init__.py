"""Renderers: turn results (validation issues, plans, status) into text, JSON, Markdown or annotations."""
