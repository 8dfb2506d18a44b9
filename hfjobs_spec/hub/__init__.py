"""The Hub port: plain types and the `HubBackend` protocol, an in-memory fake, retries, and the one
adapter (`hub.hfapi`) that imports `huggingface_hub`. Import the adapter lazily: it is slow to load.
"""
