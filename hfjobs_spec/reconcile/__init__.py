"""Diff, plan, secrets and the executor: from desired specs and live state to changes on the Hub."""
