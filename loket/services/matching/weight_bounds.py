"""The admin's bounds on each feature weight (``/beheer/gewichten``): checked as a whole (every
broken rule at once, each beside its field ``<feature>_lo`` / ``<feature>_hi``), stored in
``weight_bound`` and audited. ``weights.bounds()`` reads them; ``loket tune-weights`` holds learned
weights inside them and lists them in its report."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loket.db import db, utcnow
from loket.matching.types import FEATURES
from loket.models import User, WeightBound
from loket.services import ServiceError, ServiceErrors, audit, policies
from loket.services.matching.weights import bounds

Values = Mapping[str, tuple[Any, Any]]


class _Bounds:
    """Audit object for the bounds (one row per feature, no id of its own)."""

    __tablename__ = "weight_bound"
    id = None


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def check(values: Values) -> dict[str, tuple[float, float]]:
    """``values`` (feature -> (lower, upper)) as numbers, or ``ServiceErrors`` with every problem:
    a missing feature or number, a bound outside 0..1, a lower bound above the upper one, and bounds
    that leave no weights summing to 1."""
    errors: list[ServiceError] = []
    out: dict[str, tuple[float, float]] = {}
    for n in FEATURES:
        lo_raw, hi_raw = values.get(n, (None, None))
        lo, hi = _number(lo_raw), _number(hi_raw)
        for name, x in ((f"{n}_lo", lo), (f"{n}_hi", hi)):
            if x is None:
                errors.append(ServiceError(_l("Vul een getal in tussen 0 en 1."), field=name))
            elif not 0.0 <= x <= 1.0:
                errors.append(ServiceError(_l("Een grens ligt tussen 0 en 1."), field=name))
        if lo is not None and hi is not None and 0 <= lo <= 1 and 0 <= hi <= 1:
            if lo > hi:
                errors.append(
                    ServiceError(_l("De ondergrens mag niet boven de bovengrens liggen."), field=f"{n}_lo")
                )
            else:
                out[n] = (lo, hi)
    if not errors:
        if sum(lo for lo, _ in out.values()) > 1 + 1e-9:
            errors.append(
                ServiceError(
                    _l("De ondergrenzen zijn samen meer dan 1: geen gewichten passen erbinnen."),
                    field="bounds",
                )
            )
        if sum(hi for _, hi in out.values()) < 1 - 1e-9:
            errors.append(
                ServiceError(
                    _l("De bovengrenzen zijn samen minder dan 1: geen gewichten passen erbinnen."),
                    field="bounds",
                )
            )
    if errors:
        raise ServiceErrors(errors)
    return out


def save(actor: User, values: Values) -> dict[str, tuple[float, float]]:
    """Store the bounds of every feature (admins; audited with the old and new bounds)."""
    policies.require(policies.is_admin(actor))
    new = check(values)
    old = bounds()
    rows = {b.feature: b for b in db.session.scalars(select(WeightBound))}
    now = utcnow()
    for n, (lo, hi) in new.items():
        row = rows.get(n)
        if row is None:
            row = WeightBound(feature=n, lo=lo, hi=hi)
            db.session.add(row)
        row.lo, row.hi, row.updated_at, row.updated_by_id = lo, hi, now, actor.id
    db.session.flush()
    changed = {n: [list(old[n]), list(new[n])] for n in FEATURES if tuple(old[n]) != tuple(new[n])}
    audit.record(actor, "weight_bounds", _Bounds(), changed=changed)
    return new
