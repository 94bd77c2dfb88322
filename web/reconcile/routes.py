"""The routes of the reconciliation service, under `/reconcile`, read-only, open to any origin (CORS).

`GET /reconcile` without parameters: the manifest; with `queries=` (or a POSTed form field
`queries`): a batch of reconciliation queries; with `extend=` (or a POSTed `extend`): a data
extension query. Then `preview/{id}` (an HTML card), `view/{id}` (redirects to the record page),
`suggest/entity`, `suggest/property`, `properties` (data extension's proposals) and
`documentation`. A request the service cannot read is answered 400 (413 for too large a batch),
with a JSON `message`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from heritage_weaver.workspace import Workspace
from web.catalogue import Catalogue, record_url
from web.reconcile.entities import PROPERTIES, Entities, manifest, property_suggestions, shortened
from web.reconcile.images import QueryImages
from web.reconcile.matcher import Candidate, QueryUnits, Reconciler
from web.reconcile.protocol import ProtocolError, read_batch, read_extension
from web.reconcile.protocol import Query as ReconQuery
from web.reconcile.thresholds import MatchThresholds
from web.search import SearchService

PREFIX = "/reconcile"


def served_model(ws: Workspace, service: SearchService) -> str:
    """`[serve] model`, else the best fine-tuned model where it has indexes, else the page's default model;
    FileNotFoundError where `[serve] model` names a model without indexes."""
    chosen = ws.config.serve.model
    if chosen is not None:
        if chosen not in service.models:
            raise FileNotFoundError(
                f"[serve] model = {chosen!r} has no indexes (the indexed models are {service.models}); "
                "run `hw embed` and `hw index` for it, or name another"
            )
        return chosen
    best = ws.config.training.best_name
    return best if best in service.models else service.default_model


class ReconcileService:
    """The reconciliation service of one study: its model, thresholds, matcher and entities."""

    def __init__(self, ws: Workspace, service: SearchService, catalogue: Catalogue) -> None:
        self.ws, self.model = ws, served_model(ws, service)
        self.collections = [c.name for c in ws.config.collections]
        self.thresholds = MatchThresholds(ws, self.model, ws.config.serve.match_target)
        self.entities = Entities(ws, catalogue)
        records = {r.record_id: (r.collection, r.name) for r in catalogue.records.values()}
        self.reconciler = Reconciler(ws, service.searcher(self.model), QueryImages(ws), records)

    def answer(self, raw: str) -> dict:
        """The result batch of a query batch (JSON)."""
        queries = read_batch(raw, self.collections, self.ws.config.serve.batch_size)
        answers = self.reconciler.reconcile(queries, self.thresholds.current())
        return {
            query.key: {"result": [self._candidate(c, query, answers[query.key][1]) for c in answers[query.key][0]]}
            for query in queries
        }

    def _candidate(self, candidate: Candidate, query: ReconQuery, units: QueryUnits) -> dict:
        record = self.entities.get(candidate.record_id)
        assert record is not None
        features: list[dict] = [{"id": name, "value": round(value, 6)} for name, value in candidate.features.items()]
        if query.text:
            features.append({"id": "name_exact", "value": candidate.exact_name})
        if units.images_given:
            features.append({"id": "images_read", "value": units.images_given - len(units.unread)})
        return {
            "id": candidate.record_id,
            "name": record.name or candidate.record_id,
            "description": shortened(record.description),
            "type": [{"id": record.collection, "name": f"{record.collection} records"}],
            "score": candidate.score,
            "match": bool(candidate.matched),
            "features": features,
        }


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _problem(error: ProtocolError) -> JSONResponse:
    return JSONResponse({"status": "error", "message": str(error)}, status_code=error.status)


def reconcile_router(recon: ReconcileService, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def respond(request: Request, queries: str | None, extend: str | None) -> Response:
        try:
            if queries is not None:
                return JSONResponse(recon.answer(queries))
            if extend is not None:
                wanted = read_extension(extend, list(PROPERTIES))
                return JSONResponse(recon.entities.extend(wanted.ids, wanted.properties, _base(request)))
        except ProtocolError as error:
            return _problem(error)
        return JSONResponse(manifest(recon.ws.config, recon.model, _base(request), recon.ws.config.serve.batch_size))

    @router.get("")
    def endpoint_get(request: Request, queries: str | None = None, extend: str | None = None) -> Response:
        return respond(request, queries, extend)

    @router.post("")
    async def endpoint_post(request: Request) -> Response:
        form = await request.form()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        queries = fields.get("queries", request.query_params.get("queries"))
        extend = fields.get("extend", request.query_params.get("extend"))
        return await run_in_threadpool(respond, request, queries, extend)  # a batch embeds: off the event loop

    @router.get("/preview/{record_id:path}", response_class=HTMLResponse)
    def preview(request: Request, record_id: str) -> Response:
        record = recon.entities.get(record_id)
        if record is None:
            return HTMLResponse("no such record", status_code=404)
        thresholds = sorted(recon.thresholds.current().values(), key=lambda t: t.comparison)
        context = {
            "record": record,
            "thumbnail": recon.entities.thumbnail(record),
            "description": shortened(record.description, 320),
            "thresholds": thresholds,
            "model": recon.model,
        }
        return templates.TemplateResponse(request, "reconcile_preview.html.j2", context)

    @router.get("/view/{record_id:path}")
    def view(record_id: str) -> Response:
        record = recon.entities.get(record_id)
        if record is None:
            return HTMLResponse("no such record", status_code=404)
        return RedirectResponse(record_url(record.collection, record.record_id))

    @router.get("/suggest/entity")
    def suggest_entity(
        prefix: str = "", cursor: int = Query(0, ge=0), collection: str | None = Query(None, alias="type")
    ) -> Response:
        return JSONResponse({"result": recon.entities.suggest(prefix, cursor, [collection] if collection else [])})

    @router.get("/suggest/property")
    def suggest_property(prefix: str = "", cursor: int = Query(0, ge=0)) -> Response:
        return JSONResponse({"result": property_suggestions(prefix)[cursor:]})

    @router.get("/properties")
    def properties(collection: str = Query("", alias="type"), limit: int = Query(len(PROPERTIES), ge=1)) -> Response:
        offered = [{"id": p, "name": name, "description": what} for p, (name, what) in PROPERTIES.items()]
        return JSONResponse({"type": collection, "properties": offered[:limit], "limit": limit})

    @router.get("/documentation", response_class=HTMLResponse)
    def documentation(request: Request) -> Response:
        context = {
            "base": _base(request),
            "model": recon.model,
            "target": recon.ws.config.serve.match_target,
            "collections": recon.collections,
            "comparisons": recon.ws.config.comparisons,
            "thresholds": recon.thresholds.current(),
            "properties": PROPERTIES,
        }
        return templates.TemplateResponse(request, "reconcile_documentation.html.j2", context)

    return router


def open_to_every_origin(app: FastAPI) -> None:
    """CORS on the reconciliation routes, as the specification asks: any origin may read them, and a
    preflight request is answered at once."""

    @app.middleware("http")
    async def cross_origin(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not request.url.path.startswith(PREFIX):
            return await call_next(request)
        if request.method == "OPTIONS":
            response = Response(status_code=204)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "access-control-request-headers", "Content-Type"
            )
            response.headers["Access-Control-Max-Age"] = "86400"
        else:
            response = await call_next(request)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
