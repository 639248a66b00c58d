"""Admin pages: dashboard flags, run preview/apply, rename, merge, split, pins, managers, audit, CSRF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, Cluster, Organisation
from loket.services import ServiceError, policies
from loket.services import clusters as svc
from loket.services.clusters import admin as cluster_admin
from tests.integration.lifecycle_helpers import login, store_clustering


@pytest.fixture
def world(make):
    w = type("W", (), {})()
    w.zw = [make.school(place="Zwolle", external_id=f"S-ZW-{i}") for i in range(2)]
    w.ka = make.school(place="Kampen", external_id="S-KA")
    w.cz = make.company(place="Zwolle", external_id="C-ZW")
    w.gr = [make.school(place="Groningen", external_id=f"S-GR-{i}") for i in range(2)]
    w.cg = make.company(place="Groningen", external_id="C-GR")
    w.zwolle = make.cluster("Cluster Zwolle", "Zwolle", members=[*w.zw, w.ka, w.cz])
    w.groningen = make.cluster("Cluster Groningen", "Groningen", members=[*w.gr, w.cg])
    w.manager = make.manager(clusters=[w.zwolle], email="beheer@zwolle.test", name="Anna Beheer")
    w.spare = make.manager(email="reserve@loket.test", name="Bram Reserve")
    w.admin = make.admin(email="admin@loket.test")
    db.session.commit()
    return w


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def cluster_id_of(org) -> int | None:
    return db.session.scalar(select(Organisation.cluster_id).where(Organisation.id == org.id))


def test_admin_dashboard_flags_cluster_without_manager(client, world):
    login(client, world.admin)
    html = client.get("/beheer/").get_data(as_text=True)
    assert 'id="clusters-without-manager"' in html
    assert f'class="no-manager" data-cluster="{world.groningen.id}"' in html
    assert f'data-cluster="{world.zwolle.id}"' not in html


def test_admin_pages_are_for_admins_only(client, world):
    login(client, world.manager)
    assert client.get("/beheer/").status_code == 403
    assert client.get("/beheer/clusters").status_code == 403
    assert client.post(f"/beheer/clusters/{world.zwolle.id}/naam", data={"name": "X"}).status_code == 403


def test_proposals_of_a_managerless_cluster_go_to_admins(make, world):
    school, company = world.gr[0], world.cg
    match = make.match(make.request(school), make.offer(company), status="proposed")
    db.session.commit()
    assert match.cluster_id == world.groningen.id and not world.groningen.managers
    assert policies.can_manage_match(world.admin, match)
    assert not policies.can_manage_match(world.manager, match)


def confirm_token(html: str) -> str:
    m = re.search(r'name="confirm" value="([0-9a-f]+)"', html)
    assert m, "the preview has no confirmation"
    return m.group(1)


def test_run_preview_stores_nothing_then_confirm(client, world):
    login(client, world.admin)
    html = client.get("/beheer/clusters").get_data(as_text=True)
    assert "Cluster Zwolle" in html and 'name="max_radius_km"' in html
    assert 'value="apply"' not in html  # indelen previews first
    data = {"max_radius_km": "25", "min_schools": "2", "max_schools": "10", "method": "kmeans"}
    resp = client.post("/beheer/clusters/indelen", data={**data, "action": "preview"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Proefrun" in html and "Er is niets opgeslagen" in html and "Maten" in html
    assert "Wat verandert" in html and 'id="moved-count"' in html
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
    token = confirm_token(html)
    # storing without the preview's confirmation stores nothing and shows the preview again
    resp = client.post("/beheer/clusters/indelen", data={**data, "action": "apply"})
    assert resp.status_code == 200 and "Er is niets opgeslagen" in resp.get_data(as_text=True)
    assert "clusters_applied" not in actions()
    # the world changes after the preview: the old confirmation no longer fits
    make_school = Organisation(kind="school", name="Nieuwe school", external_id="S-NEW")
    db.session.add(make_school)
    db.session.flush()
    stale = client.post("/beheer/clusters/indelen", data={**data, "action": "apply", "confirm": "0" * 32})
    assert "veranderd sinds de proefrun" in stale.get_data(as_text=True)
    assert "clusters_applied" not in actions()
    resp = client.post("/beheer/clusters/indelen", data={**data, "action": "apply", "confirm": token})
    assert resp.status_code == 200 and "Clusters opgeslagen" in resp.get_data(as_text=True)
    assert "clusters_applied" in actions()
    db.session.expire_all()
    assert db.session.get(Cluster, world.zwolle.id).managers[0].email == "beheer@zwolle.test"


def test_preview_names_the_clusters_under_the_minimum(client, world):
    login(client, world.admin)
    data = {"max_radius_km": "25", "min_schools": "3", "max_schools": "10", "method": "kmeans"}
    html = client.post("/beheer/clusters/indelen", data={**data, "action": "preview"}).get_data(as_text=True)
    below = html[html.index('id="below-min"') :].split("</li>")[0]
    assert "Cluster Groningen" in below and "2 scholen" in below


def test_min_above_max_is_told_beside_the_field_at_the_top(client, world):
    login(client, world.admin)
    data = {"max_radius_km": "25", "min_schools": "200", "max_schools": "5", "method": "kmeans"}
    bad = client.post("/beheer/clusters/indelen", data={**data, "action": "preview"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Het maximum mag niet kleiner zijn dan het minimum (200)." in html
    assert "max_schools (5)" not in html and "min_schools (200)" not in html
    assert html.index('id="max_schools-error"') < html.index("<table")  # the form comes first


def test_measures_in_dutch_number_format(app):
    from loket.web.admin import measure_cells

    with app.test_request_context():
        cells = dict(measure_cells({"schools": 24397, "mean_distance_km": 12.34, "crossing_share": 0.127}))
    assert cells["scholen"] == "24.397"
    assert cells["gemiddelde afstand school-centrum (km)"] == "12,3"
    assert cells["haalbare koppelingen over een clustergrens"] == "12,7 %"


def test_rename_via_web_locks_the_name_and_survives_a_run(client, world):
    login(client, world.admin)
    url = f"/beheer/clusters/{world.zwolle.id}/naam"
    resp = client.post(url, data={"name": "Regio IJssel", "version_id": world.zwolle.version_id})
    assert resp.status_code == 303
    c = db.session.get(Cluster, world.zwolle.id)
    assert c.name == "Regio IJssel" and c.name_locked
    stale = client.post(url, data={"name": "Oud formulier", "version_id": 1})
    assert stale.status_code == 409
    dup = client.post(url, data={"name": "cluster groningen", "version_id": c.version_id})
    assert dup.status_code == 422 and "Er is al een cluster" in dup.get_data(as_text=True)
    store_clustering(world.admin, svc.make_params(25, 1, 10), refresh_names=True)
    db.session.commit()
    assert db.session.get(Cluster, world.zwolle.id).name == "Regio IJssel"
    assert "cluster_renamed" in actions()


def test_merge_moves_members_and_managers(client, world):
    login(client, world.admin)
    resp = client.post(
        f"/beheer/clusters/{world.groningen.id}/samenvoegen",
        data={"source_id": world.zwolle.id, "version_id": world.groningen.version_id},
    )
    assert resp.status_code == 303
    db.session.expire_all()
    assert cluster_id_of(world.ka) == world.groningen.id
    target = db.session.get(Cluster, world.groningen.id)
    assert [u.email for u in target.managers] == ["beheer@zwolle.test"]
    assert db.session.get(Cluster, world.zwolle.id).archived_at is not None
    assert {"cluster_merged", "cluster_dissolved"} <= set(actions())
    with pytest.raises(ServiceError):
        cluster_admin.merge_clusters(world.admin, world.groningen.id, world.groningen.id)


def test_split_by_two_means_and_pins_stay(make, client, world):
    far = make.school(place="Deventer", external_id="S-DV")
    world_zwolle = db.session.get(Cluster, world.zwolle.id)
    far.cluster_id = world_zwolle.id
    db.session.commit()
    cluster_admin.pin_organisation(world.admin, world.ka.id, world.zwolle.id)
    db.session.commit()
    login(client, world.admin)
    resp = client.post(f"/beheer/clusters/{world.zwolle.id}/splitsen", data={})
    assert resp.status_code == 303
    db.session.expire_all()
    new_id = cluster_id_of(far)
    assert new_id != world.zwolle.id
    new = db.session.get(Cluster, new_id)
    assert new.name == "Cluster Deventer" and [u.email for u in new.managers] == ["beheer@zwolle.test"]
    assert cluster_id_of(world.ka) == world.zwolle.id  # pinned
    assert all(cluster_id_of(s) == world.zwolle.id for s in world.zw)
    assert "cluster_split" in actions()
    with pytest.raises(ServiceError):
        cluster_admin.split_cluster(world.admin, new_id)  # one school only


def test_pin_and_unpin_via_web(client, world):
    login(client, world.admin)
    resp = client.post(f"/beheer/clusters/{world.zwolle.id}/vastzetten", data={"target": world.gr[0].id})
    assert resp.status_code == 303
    org = db.session.get(Organisation, world.gr[0].id)
    assert org.cluster_id == world.zwolle.id and org.cluster_pinned
    store_clustering(world.admin, svc.make_params(25, 1, 10))
    db.session.commit()
    assert cluster_id_of(world.gr[0]) == world.zwolle.id
    resp = client.post(f"/beheer/clusters/{world.zwolle.id}/losmaken", data={"target": world.gr[0].id})
    assert resp.status_code == 303
    assert not db.session.get(Organisation, world.gr[0].id).cluster_pinned
    assert {"organisation_pinned", "organisation_unpinned"} <= set(actions())


def test_assign_and_remove_managers(client, world):
    login(client, world.admin)
    html = client.get(f"/beheer/clusters/{world.groningen.id}?q=reserve").get_data(as_text=True)
    assert "Bram Reserve" in html and "Anna Beheer" not in html.split('class="candidates"')[1]
    resp = client.post(f"/beheer/clusters/{world.groningen.id}/beheerders", data={"target": world.spare.id})
    assert resp.status_code == 303
    assert [u.email for u in db.session.get(Cluster, world.groningen.id).managers] == ["reserve@loket.test"]
    html = client.get("/beheer/").get_data(as_text=True)
    assert 'id="clusters-without-manager"' not in html
    again = client.post(f"/beheer/clusters/{world.groningen.id}/beheerders", data={"target": world.spare.id})
    assert again.status_code == 303  # flashed error, nothing changed
    teacher_user = world.admin  # not a cluster manager
    with pytest.raises(ServiceError):
        cluster_admin.assign_manager(world.admin, world.groningen.id, teacher_user.id)
    resp = client.post(
        f"/beheer/clusters/{world.groningen.id}/beheerders/verwijderen", data={"target": world.spare.id}
    )
    assert resp.status_code == 303
    assert db.session.get(Cluster, world.groningen.id).managers == []
    assert {"cluster_manager_added", "cluster_manager_removed"} <= set(actions())


def test_cluster_detail_renders_and_unknown_is_404(client, world):
    login(client, world.admin)
    html = client.get(f"/beheer/clusters/{world.zwolle.id}?org=groningen").get_data(as_text=True)
    assert "Cluster Zwolle" in html and "School" in html and "vastzetten in dit cluster" in html
    assert client.get("/beheer/clusters/999999").status_code == 404


def test_form_post_without_csrf_token_is_refused(app, client, world):
    login(client, world.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post(f"/beheer/clusters/{world.zwolle.id}/naam", data={"name": "Zonder token"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert resp.status_code == 400
    assert db.session.get(Cluster, world.zwolle.id).name == "Cluster Zwolle"
