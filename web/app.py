"""The FastAPI app: a search page, record pages and record images, and the reconciliation service
under `/reconcile` (`web.reconcile`); read-only.

Routes: `GET /` (the form), `GET /search` (text query in the URL) and `POST /search` (multipart,
with an optional image upload), `GET /record/{collection}/{record_id}`, and
`GET /image/{collection}/{position}/{record_id}` (a local or fetched file; an image URL that was
never fetched redirects to the URL, without credentials, where `hw fetch-images` would request it:
a public address or an allowed host, `heritage_weaver.url_safety`). Only images of ingested records
are ever served.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jinja2
from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from heritage_weaver.decode import ImageProblem
from heritage_weaver.url_safety import AddressRule, without_credentials
from heritage_weaver.workspace import Workspace
from web.catalogue import Catalogue, image_url, record_url
from web.reconcile.routes import ReconcileService, open_to_every_origin, reconcile_router
from web.search import SearcherFactory, SearchService, lazy_searcher

HERE = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_K = 12
NEIGHBOURS = 6


def create_app(ws: Workspace, factory: SearcherFactory = lazy_searcher, reconcile: bool = True) -> FastAPI:
    """The page for one study, and with `reconcile` its reconciliation service (`web.reconcile`);
    raises MissingRecords / FileNotFoundError when it has nothing to show."""
    catalogue = Catalogue(ws)
    rule = AddressRule(ws.config.fetch.allow_hosts)
    service = SearchService(ws, factory)
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    environment.globals.update(record_url=record_url, study=ws.config.study.name)
    templates = Jinja2Templates(env=environment)
    app = FastAPI(title=f"Heritage Weaver · {ws.config.study.name}", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.search = service
    if reconcile:
        app.state.reconcile = ReconcileService(ws, service, catalogue)
        app.include_router(reconcile_router(app.state.reconcile, templates))
        open_to_every_origin(app)
    collections = [c.name for c in ws.config.collections]

    def cards(results) -> list[dict]:
        out = []
        for row in results.to_dict("records"):
            position = catalogue.image_position(row["collection"], row["record_id"], row["image"])
            out.append(
                {
                    **row,
                    "image_url": None if position is None else image_url(row["collection"], row["record_id"], position),
                }
            )
        return out

    def page(request: Request, query: dict, image: UploadFile | None = None) -> HTMLResponse:
        form = {
            "text": "",
            "model": service.default_model,
            "collection": "",
            "k": DEFAULT_K,
            "text_weight": 0.5,
            "modality": "",
            **{key: value for key, value in query.items() if value is not None},
        }
        context: dict[str, object] = {
            "form": form,
            "models": service.models,
            "modalities": service.modalities,
            "collections": collections,
            "results": None,
            "searched": [],
            "error": None,
            "uploaded": image.filename if image is not None and image.filename else None,
        }
        searching = bool(form["text"]) or context["uploaded"] is not None
        status = 200
        if searching:
            try:
                with _upload(image) as path:
                    context["searched"], found = service.search(
                        form["model"],
                        form["text"],
                        path,
                        form["collection"],
                        int(form["k"]),
                        float(form["text_weight"]),
                        form["modality"],
                    )
                context["results"] = cards(found)
            except (ValueError, FileNotFoundError, ImageProblem) as error:
                context["error"], status = str(error), 400
        return templates.TemplateResponse(request, "search.html.j2", context, status_code=status)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return page(request, {})

    @app.get("/search", response_class=HTMLResponse)
    def search_get(
        request: Request,
        text: str = "",
        model: str | None = None,
        collection: str = "",
        k: int = Query(DEFAULT_K, ge=1, le=100),
        text_weight: float = 0.5,
        modality: str = "",
    ) -> HTMLResponse:
        return page(request, _query(text, model, collection, k, text_weight, modality))

    @app.post("/search", response_class=HTMLResponse)
    def search_post(
        request: Request,
        text: str = Form(""),
        model: str | None = Form(None),
        collection: str = Form(""),
        k: int = Form(DEFAULT_K, ge=1, le=100),
        text_weight: float = Form(0.5),
        modality: str = Form(""),
        image: UploadFile | None = File(None),
    ) -> HTMLResponse:
        return page(request, _query(text, model, collection, k, text_weight, modality), image)

    @app.get("/record/{collection}/{record_id:path}", response_class=HTMLResponse)
    def record(request: Request, collection: str, record_id: str) -> HTMLResponse:
        found = catalogue.get(collection, record_id)
        if found is None:
            return templates.TemplateResponse(
                request, "missing.html.j2", {"collection": collection, "record_id": record_id}, status_code=404
            )
        nearest = []
        for model in service.models:
            result = service.neighbours(model, collection, record_id, NEIGHBOURS)
            if result is not None:
                nearest.append({"model": model, "modality": result[0], "cards": cards(result[1])})
        images = [image_url(collection, record_id, i) for i in range(len(found.images))]
        context = {
            "record": found,
            "images": images,
            "nearest": nearest,
            "links": catalogue.verified_links(collection, record_id),
        }
        return templates.TemplateResponse(request, "record.html.j2", context)

    @app.get("/image/{collection}/{position}/{record_id:path}")
    def image(collection: str, position: int, record_id: str) -> Response:
        source = catalogue.image_source(collection, record_id, position)
        if source is None:
            return Response("no such image", status_code=404, media_type="text/plain")
        if isinstance(source, str):
            target = without_credentials(source)
            if rule.refusal(target):
                return Response("image not fetched; its URL is not public", status_code=404, media_type="text/plain")
            return RedirectResponse(target)
        return FileResponse(source, headers={"Cache-Control": "max-age=3600"})

    return app


@contextmanager
def _upload(image: UploadFile | None) -> Iterator[Path | None]:
    """The uploaded image as a temporary file for the decoder (None without an upload); removed after."""
    if image is None or not image.filename:
        yield None
        return
    data = image.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"the image is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    with tempfile.NamedTemporaryFile(prefix="hw-upload-", suffix=Path(image.filename).suffix[:8]) as handle:
        handle.write(data)
        handle.flush()
        yield Path(handle.name)


def _query(text: str, model: str | None, collection: str, k: int, text_weight: float, modality: str) -> dict:
    """The search form's values, as the GET and the POST (image upload) routes both receive them."""
    return {
        "text": text.strip(),
        "model": model,
        "collection": collection,
        "k": k,
        "text_weight": text_weight,
        "modality": modality,
    }
