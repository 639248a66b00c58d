"""JSON under /api/: as-you-type taxonomy suggestions. Read-only GETs (CSRF applies to anything else)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from loket import taxonomy, topics
from loket.i18n import current_locale

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_RESULTS = 15

KINDS = {
    "activiteit": (taxonomy.activities,),
    "sector": (taxonomy.sectors,),
    "niveau": (taxonomy.levels,),
    "vorm": (taxonomy.modes,),
    "onderwerp": (),  # free-text topic: loket.topics (curated list per language, fuzzy)
}
ALIASES = {
    "activiteiten": "activiteit",
    "activity": "activiteit",
    "sectoren": "sector",
    "niveaus": "niveau",
    "level": "niveau",
    "vormen": "vorm",
    "mode": "vorm",
    "topic": "onderwerp",
}


@bp.before_request
def _logged_in():
    if not current_user.is_authenticated:
        return jsonify({"error": "Niet ingelogd", "message": "Log eerst in.", "status": 401}), 401
    return None


def _suggest(kind: str, query: str, locale: str) -> list[dict]:
    if kind == "onderwerp":
        return [{"code": None, "label": t, "value": t} for t in topics.suggest(query, locale, MAX_RESULTS)]
    q = " ".join(query.lower().split())
    ranked: list[tuple[int, str, dict]] = []
    seen: set[str] = set()
    for vocab_fn in KINDS[kind]:
        vocab = vocab_fn()
        for term in vocab.terms:
            label = term.label(locale)
            words = [label]
            names = [term.code, term.nl, term.en, *term.synonyms]
            for word in words:
                if word.lower() in seen:
                    continue
                if not q:
                    rank = 2
                elif word.lower().startswith(q):
                    rank = 0
                elif q in word.lower() or any(q in n.lower() for n in names):
                    rank = 1
                else:
                    continue
                seen.add(word.lower())
                ranked.append((rank, word.lower(), {"code": term.code, "label": label, "value": word}))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return [item for _, _, item in ranked[:MAX_RESULTS]]


@bp.get("/taxonomie/<kind>")
def taxonomy_suggestions(kind: str):
    """``?q=`` -> [{code, label, value}], best first: prefix matches, then substring/synonym matches
    (topics: prefix, word, substring and close spellings; ``code`` is null)."""
    kind = ALIASES.get(kind, kind)
    if kind not in KINDS:
        abort(404)
    query = (request.args.get("q") or "")[:100]
    locale = current_locale()
    return jsonify({"kind": kind, "q": query, "results": _suggest(kind, query, locale)})
