"""``/api/v1/employers``: create, read, change, list; SIRET checks and uniqueness."""

from __future__ import annotations

from tests.integration.scheduler.conftest import Tenant, make_siret


def test_create_read_and_change_an_employer(tenant_a: Tenant) -> None:
    answer = tenant_a.post("/api/v1/employers", {
        "name": "  Garage du Centre ", "siret": "732 829 320 00017", "headcount": 300,
        "region": "alsace-moselle", "mid_career_age": 50,
        "contact_email": "rh@Garage.FR", "contact_phone": "03 88 12 34 56"})
    assert answer.status_code == 201, answer.json
    employer = answer.json
    assert answer.headers["Location"].endswith(f"/api/v1/employers/{employer['id']}")
    assert {k: employer[k] for k in ("name", "siret", "headcount", "region", "mid_career_age",
                                     "contact_email", "contact_phone")} == {
        "name": "Garage du Centre", "siret": "73282932000017", "headcount": 300,
        "region": "alsace-moselle", "mid_career_age": 50, "contact_email": "rh@garage.fr",
        "contact_phone": "+33388123456"}
    assert employer["created_at"].endswith("+00:00")

    assert tenant_a.get(f"/api/v1/employers/{employer['id']}").json == employer

    changed = tenant_a.patch(f"/api/v1/employers/{employer['id']}",
                             {"headcount": 251, "contact_phone": None})
    assert changed.status_code == 200, changed.json
    assert changed.json["headcount"] == 251
    assert changed.json["contact_phone"] is None
    assert changed.json["region"] == "alsace-moselle"  # untouched by a partial change
    assert tenant_a.get(f"/api/v1/employers/{employer['id']}").json == changed.json


def test_defaults_region_national_and_branch_age_45(tenant_a: Tenant) -> None:
    employer = tenant_a.employer()
    assert (employer["region"], employer["mid_career_age"]) == ("national", 45)
    assert employer["contact_email"] is None


def test_a_siret_with_a_bad_key_is_refused(tenant_a: Tenant) -> None:
    answer = tenant_a.post("/api/v1/employers",
                           {"name": "X", "siret": "73282932000018", "headcount": 1})
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "siret"
    assert "clé de contrôle" in answer.json["error"]["message"]


def test_la_poste_sirets_are_accepted(tenant_a: Tenant) -> None:
    employer = tenant_a.employer(siret="35600000000001")
    assert employer["siret"] == "35600000000001"


def test_one_siret_per_spst(tenant_a: Tenant, tenant_b: Tenant) -> None:
    first = tenant_a.employer()
    again = tenant_a.post("/api/v1/employers",
                          {"name": "Doublon", "siret": first["siret"], "headcount": 1})
    assert again.status_code == 409
    assert again.json["error"] == {
        "code": "siret_taken", "field": "siret",
        "message": f"un employeur de ce SPST a déjà le SIRET {first['siret']}"}
    other = tenant_a.employer()
    moved = tenant_a.patch(f"/api/v1/employers/{other['id']}", {"siret": first["siret"]})
    assert moved.status_code == 409
    # Another SPST may follow the same company.
    assert tenant_b.employer(siret=first["siret"])["siret"] == first["siret"]


def test_invalid_fields_are_named(tenant_a: Tenant) -> None:
    cases = [
        ({"siret": make_siret(1), "headcount": 1}, "name"),
        ({"name": "X", "siret": make_siret(1), "headcount": -1}, "headcount"),
        ({"name": "X", "siret": make_siret(1), "headcount": "12"}, "headcount"),
        ({"name": "X", "siret": make_siret(1), "headcount": 1, "region": "corse"}, "region"),
        ({"name": "X", "siret": make_siret(1), "headcount": 1, "mid_career_age": 17},
         "mid_career_age"),
        ({"name": "X", "siret": make_siret(1), "headcount": 1, "contact_phone": "12"},
         "contact_phone"),
        ({"name": "X", "siret": make_siret(1), "headcount": 1, "contact_email": "rh"},
         "contact_email"),
        ({"name": "X", "siret": make_siret(1), "headcount": 1, "id": 4}, "id"),
    ]
    for body, field in cases:
        answer = tenant_a.post("/api/v1/employers", body)
        assert answer.status_code == 422, body
        assert answer.json["error"]["field"] == field, (body, answer.json)


def test_patch_refuses_nulls_on_required_fields_and_unknown_ids(tenant_a: Tenant) -> None:
    employer = tenant_a.employer()
    assert tenant_a.patch(f"/api/v1/employers/{employer['id']}",
                          {"name": None}).json["error"]["field"] == "name"
    assert tenant_a.patch("/api/v1/employers/999999", {"name": "X"}).status_code == 404
    assert tenant_a.get("/api/v1/employers/999999").status_code == 404
    assert tenant_a.get(f"/api/v1/employers/{2**40}").status_code == 404


def test_the_body_must_be_a_json_object(tenant_a: Tenant) -> None:
    answer = tenant_a.client.post("/api/v1/employers", data="nom=X",
                                  headers={"Authorization": f"Bearer {tenant_a.key}"})
    assert answer.status_code == 415
    assert tenant_a.post("/api/v1/employers", [1, 2]).status_code == 422


def test_pagination_walks_every_employer_once(tenant_a: Tenant) -> None:
    created = [tenant_a.employer(name=f"Employeur {i}")["id"] for i in range(7)]
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        url = "/api/v1/employers?limit=3" + (f"&cursor={cursor}" if cursor else "")
        answer = tenant_a.get(url)
        assert answer.status_code == 200
        seen += [item["id"] for item in answer.json["items"]]
        pages += 1
        cursor = answer.json["next_cursor"]
        if cursor is None:
            break
    assert seen == created
    assert pages == 3
    assert len(tenant_a.get("/api/v1/employers").json["items"]) == 7


def test_exactly_one_full_page_has_no_next_cursor(tenant_a: Tenant) -> None:
    for _ in range(2):
        tenant_a.employer()
    assert tenant_a.get("/api/v1/employers?limit=2").json["next_cursor"] is None


def test_bad_pagination_parameters_are_named(tenant_a: Tenant) -> None:
    for query, field in [("limit=0", "limit"), ("limit=201", "limit"), ("limit=abc", "limit"),
                         ("cursor=abc", "cursor"), ("cursor=-1", "cursor"), ("page=2", "page")]:
        answer = tenant_a.get(f"/api/v1/employers?{query}")
        assert answer.status_code == 422, query
        assert answer.json["error"]["field"] == field, query
