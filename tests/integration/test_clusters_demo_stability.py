"""Re-clustering the demo data with the default settings moves nothing: after `loket seed-demo`
stored its clusters, a preview shows no moves, and after storing a run the next preview shows none."""

from __future__ import annotations

import re

from sqlalchemy import select

from loket.db import db
from loket.models import User
from loket.services import clusters as svc
from loket.services.demo.seed import ADMIN_EMAIL
from tests.integration.lifecycle_helpers import login


def defaults() -> dict[str, str]:
    b = svc.current_bounds()
    return {
        "max_radius_km": str(b.max_radius_km),
        "min_schools": str(b.min_schools),
        "max_schools": str(b.max_schools),
        "method": b.method,
    }


def test_second_run_on_demo_data_moves_nothing(runner, client):
    result = runner.invoke(args=["seed-demo", "--schools", "120", "--companies", "300", "--seed", "7"])
    assert result.exit_code == 0, result.stderr
    admin = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    login(client, admin)
    data = defaults()
    html = client.post("/beheer/clusters/indelen", data={**data, "action": "preview"}).get_data(as_text=True)
    assert "0 organisaties wisselen van cluster" in html, re.findall(r'id="moved-count">([^<]*)', html)
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)
    saved = client.post("/beheer/clusters/indelen", data={**data, "action": "apply", "confirm": token})
    assert "Clusters opgeslagen" in saved.get_data(as_text=True)
    db.session.expire_all()
    again = svc.run_clustering(admin, svc.make_params(), dry_run=True)
    assert again.moved == [] and again.new_clusters == [] and again.dissolved == []
