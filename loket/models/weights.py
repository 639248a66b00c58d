"""Weight sets: feature weights learned from decisions (``loket tune-weights``), stored when they beat
the current ones, and undone by an admin. The active national set is the newest national one not
undone; without any, the engine's defaults (``loket.matching.MatchConfig``) apply. A cluster's
newest set not undone scores that cluster's requests instead. ``WeightBound``: the admin's bounds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.db import Base, UTCDateTime, utcnow


class WeightSet(Base):
    """One stored set of feature weights (normalised, summing to 1) with how it was found."""

    __tablename__ = "weight_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the ``weights_version`` the engine's rows carry while this set is active (v<score>-<digest>)
    version: Mapped[str] = mapped_column(String(40))
    weights: Mapped[dict] = mapped_column(JSON, default=dict)  # feature -> weight
    #: None: the national set; else the cluster whose requests it scores (``cluster_weights``)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"))
    #: the held-out comparison that justified it (learn.TuneResult.as_json) and the bounds in force
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    cluster = relationship("Cluster", foreign_keys=[cluster_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    undone_by = relationship("User", foreign_keys=[undone_by_id])


class WeightBound(Base):
    """The admin's bounds on one feature's normalised weight (``/beheer/gewichten``): learned weights
    are held inside them, and a set outside them is never stored. A feature without a row has the
    configured bounds (LOKET_WEIGHT_MIN .. LOKET_WEIGHT_MAX)."""

    __tablename__ = "weight_bound"

    feature: Mapped[str] = mapped_column(String(20), primary_key=True)  # one of loket.matching FEATURES
    lo: Mapped[float] = mapped_column(Float)
    hi: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
