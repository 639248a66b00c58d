"""Login looks users up by lower(email); the functional index ix_user_email_lower serves it."""

from __future__ import annotations

from sqlalchemy import func, select, text

from loket.db import db
from loket.models import User
from loket.services.accounts.fields import find_user_by_email


def test_login_lookup_uses_the_lower_email_index(app, make, backend):
    for _ in range(30):
        make.user()
    user = make.user(email="Grace.Hopper@Example.test")
    db.session.commit()
    assert find_user_by_email("grace.hopper@example.test").id == user.id
    query = select(User.id).where(func.lower(User.email) == "grace.hopper@example.test")
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if backend == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: force the choice
        plan = "\n".join(db.session.execute(text("EXPLAIN " + sql)).scalars())
    else:
        plan = "\n".join(str(r[-1]) for r in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    db.session.rollback()
    assert "ix_user_email_lower" in plan, plan
