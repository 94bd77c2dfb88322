"""The curators' read-only search page: FastAPI, Jinja2 templates, served by uvicorn."""
