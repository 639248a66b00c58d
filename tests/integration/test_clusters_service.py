"""Clustering through the service and the CLI: JSON shape, dry run, stable re-runs, pins, names, joins."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, Cluster, Organisation
from loket.services import PermissionDenied, ServiceError
from loket.services import clusters as svc
from tests.helpers.cli import run_loket
from tests.integration.lifecycle_helpers import store_clustering

BOUNDS = ["--max-radius-km", "25", "--min-schools", "1", "--max-schools", "10"]


@pytest.fixture
def world(make):
    """Schools in three separate regions (Zwolle/Kampen, Groningen, Amsterdam) and a company each."""
    w = type("W", (), {})()
    w.zwolle = [make.school(place="Zwolle", external_id=f"S-ZW-{i}") for i in range(3)]
    w.kampen = make.school(place="Kampen", external_id="S-KA-1")
    w.groningen = [make.school(place="Groningen", external_id=f"S-GR-{i}") for i in range(2)]
    w.amsterdam = [make.school(place="Amsterdam", external_id=f"S-AM-{i}") for i in range(2)]
    w.c_zwolle = make.company(place="Zwolle", external_id="C-ZW")
    w.c_groningen = make.company(place="Groningen", external_id="C-GR")
    w.c_amsterdam = make.company(place="Amsterdam")  # no external id: "org:<id>"
    db.session.commit()
    return w


def run_cli(runner, *args):
    result = runner.invoke(args=["cluster", *args])
    assert result.exit_code == 0, (result.output, getattr(result, "stderr", ""), result.exception)
    return result


def cluster_of(org) -> Cluster | None:
    cid = db.session.scalar(select(Organisation.cluster_id).where(Organisation.id == org.id))
    return db.session.get(Cluster, cid) if cid else None


def test_cli_json_shape_and_store(runner, world):
    result = run_cli(runner, "--json", *BOUNDS)
    doc = json.loads(result.stdout)
    assert set(doc) == {"clusters", "measures", "moved"}
    assert len(doc["clusters"]) == 3
    for c in doc["clusters"]:
        assert set(c) == {"id", "name", "centre", "members", "managers"}
        assert isinstance(c["id"], int) and len(c["centre"]) == 2 and c["managers"] == []
    by_name = {c["name"]: c for c in doc["clusters"]}
    assert set(by_name) == {"Cluster Zwolle", "Cluster Groningen", "Cluster Amsterdam"}
    assert sorted(by_name["Cluster Zwolle"]["members"]) == ["C-ZW", "S-KA-1", "S-ZW-0", "S-ZW-1", "S-ZW-2"]
    assert f"org:{world.c_amsterdam.id}" in by_name["Cluster Amsterdam"]["members"]
    lat, lon = by_name["Cluster Zwolle"]["centre"]
    assert 52.5 < lat < 52.56 and 5.9 < lon < 6.1
    assert doc["measures"]["clusters"] == 3 and doc["measures"]["schools_beyond_radius"] == 0
    assert len(doc["moved"]) == 11  # every organisation joined a cluster (from: null)
    assert all(m["from"] is None for m in doc["moved"])
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Cluster.id))) == 3
    assert cluster_of(world.kampen).name == "Cluster Zwolle"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "clusters_applied")) is not None


def test_dry_run_stores_nothing(runner, world):
    result = run_cli(runner, "--dry-run", "--json", *BOUNDS)
    doc = json.loads(result.stdout)
    assert len(doc["clusters"]) == 3 and all(c["id"] is None for c in doc["clusters"])
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Cluster.id))) == 0
    clustered = select(func.count(Organisation.id)).where(Organisation.cluster_id.is_not(None))
    assert db.session.scalar(clustered) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
    text = run_cli(runner, "--dry-run", *BOUNDS).stdout
    assert "Proefrun" in text and "Cluster Zwolle" in text and "Maten:" in text


def test_bad_bounds_are_a_clear_error(runner, world):
    result = runner.invoke(args=["cluster", "--min-schools", "5", "--max-schools", "2"])
    assert result.exit_code != 0
    assert "--max-schools" in (result.output + getattr(result, "stderr", ""))


def test_second_run_keeps_ids_names_managers_and_reports_moves(runner, make, world):
    # min 2 schools: a school left alone by a move is not kept as a one-school cluster
    bounds = ["--max-radius-km", "25", "--min-schools", "2", "--max-schools", "10"]
    first = json.loads(run_cli(runner, "--json", *bounds).stdout)
    ids = {c["name"]: c["id"] for c in first["clusters"]}
    zwolle = db.session.get(Cluster, ids["Cluster Zwolle"])
    make.manager(clusters=[zwolle], email="beheer@zwolle.test")
    db.session.commit()
    # data change: a new school in Zwolle and a Groningen school moved to Kampen
    make.school(place="Zwolle", external_id="S-ZW-new")
    loc = world.groningen[1].locations[0]
    loc.lat, loc.lon, loc.city = 52.5550, 5.9114, "Kampen"
    db.session.commit()
    second = json.loads(run_cli(runner, "--json", *bounds).stdout)
    again = {c["name"]: c for c in second["clusters"]}
    assert {n: c["id"] for n, c in again.items()} == ids
    assert again["Cluster Zwolle"]["managers"] == ["beheer@zwolle.test"]
    moved = {m["member"]: m for m in second["moved"]}
    assert moved["S-GR-1"]["from"] == ids["Cluster Groningen"]
    assert moved["S-GR-1"]["to"] == ids["Cluster Zwolle"]
    assert moved["S-ZW-new"]["from"] is None and moved["S-ZW-new"]["to"] == ids["Cluster Zwolle"]
    assert len(moved) == 2
    assert "S-ZW-0" not in moved  # unchanged organisations are not reported


def test_pinned_org_stays_and_rename_survives(app, make, world):
    admin = make.admin()
    params = svc.make_params(25, 1, 10)
    store_clustering(admin, params)
    zwolle = cluster_of(world.zwolle[0])
    from loket.services.clusters import admin as cluster_admin

    cluster_admin.pin_organisation(admin, world.amsterdam[0].id, zwolle.id)
    cluster_admin.rename_cluster(admin, zwolle.id, "Regio IJsseldelta", version_id=zwolle.version_id)
    db.session.commit()
    report = store_clustering(admin, params, refresh_names=True)
    db.session.commit()
    assert cluster_of(world.amsterdam[0]).id == zwolle.id
    assert cluster_of(world.amsterdam[1]).name == "Cluster Amsterdam"
    assert db.session.get(Cluster, zwolle.id).name == "Regio IJsseldelta"
    assert not any(m.member == "S-AM-0" for m in report.moved)
    # a fresh (cold) run keeps the pin and the locked name as well
    store_clustering(admin, params, warm=False, refresh_names=True)
    db.session.commit()
    assert cluster_of(world.amsterdam[0]).name == "Regio IJsseldelta"


def test_only_admins_run_clustering(make, world):
    teacher = make.user(world.zwolle[0])
    with pytest.raises(PermissionDenied):
        svc.run_clustering(teacher, svc.make_params(25, 1, 10))


def test_make_params_names_the_bad_field(app):
    with pytest.raises(ServiceError) as exc:
        svc.make_params(-3, 1, 10)
    assert exc.value.field == "max_radius_km"


def test_new_school_joins_nearest_cluster_at_once(app, make, world):
    svc.run_clustering(None, svc.make_params(25, 1, 10))
    db.session.commit()
    school = make.school(place="Kampen", external_id="S-KA-2")
    result = svc.join_nearest_cluster(school)
    assert result.cluster is not None and result.cluster.name == "Cluster Zwolle"
    assert result.distance_km is not None and result.distance_km < 25
    db.session.commit()
    assert cluster_of(school).name == "Cluster Zwolle"
    far = make.school(place="Maastricht")
    none = svc.join_nearest_cluster(far)
    assert none.cluster is None and "geen cluster binnen 25 km" in none.reason
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cluster_joined")) is not None


def test_bulk_join_after_import(app, make, world):
    svc.run_clustering(None, svc.make_params(25, 1, 10))
    db.session.commit()
    new = [make.school(place="Groningen"), make.company(place="Amsterdam"), make.school(place="Maastricht")]
    assert svc.join_unclustered([o.id for o in new]) == 2
    db.session.commit()
    assert cluster_of(new[0]).name == "Cluster Groningen"
    assert cluster_of(new[1]).name == "Cluster Amsterdam"
    assert cluster_of(new[2]) is None


def test_imported_schools_join_their_nearest_cluster(runner, tmp_path, world):
    svc.run_clustering(None, svc.make_params(25, 1, 10))
    db.session.commit()
    csv = tmp_path / "schools.csv"
    csv.write_text(
        "external_id,name,brin,postcode,city,levels,contact_name,contact_email,last_login\n"
        "S-IMP-1,De Nieuwe School,,8011 AB,Zwolle,havo,Jan,jan@nieuw.test,\n"
        "S-IMP-2,Verre School,,6211 AA,Maastricht,havo,Piet,piet@ver.test,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import", "schools", str(csv)])
    assert result.exit_code == 0, (result.output, result.exception)
    db.session.expire_all()
    near = db.session.scalar(select(Organisation).where(Organisation.external_id == "S-IMP-1"))
    far = db.session.scalar(select(Organisation).where(Organisation.external_id == "S-IMP-2"))
    assert near.cluster is not None and near.cluster.name == "Cluster Zwolle"
    assert far.cluster_id is None  # no cluster within 25 km: placed by the next full run


def test_registered_school_joins_its_cluster(app, world):
    from loket.services import accounts

    svc.run_clustering(None, svc.make_params(25, 1, 10))
    db.session.commit()
    data = accounts.Registration(
        kind="school",
        org_name="Nieuwe School Groningen",
        postcode="9711 AA",
        city="Groningen",
        name="Els",
        email="els@school.example.com",
        password="een-lang-wachtwoord-42",
        levels=("havo",),
    )
    with app.test_request_context():  # the verification mail builds a link
        user = accounts.register(data)
    assert user is not None and user.organisation.cluster is not None
    assert user.organisation.cluster.name == "Cluster Groningen"


def test_real_command_stores_the_clusters_without_the_web_layer(app, world):
    """`loket cluster` as its own process: the app without the web layer (``loket.cli.NO_WEB``),
    the same clusters as in-process."""
    child = run_loket(app, "cluster", "--json", *BOUNDS)
    assert not child.views_loaded
    doc = json.loads(child.stdout)
    assert {c["name"] for c in doc["clusters"]} == {
        "Cluster Zwolle",
        "Cluster Groningen",
        "Cluster Amsterdam",
    }
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 3
    assert cluster_of(world.kampen).name == "Cluster Zwolle"
