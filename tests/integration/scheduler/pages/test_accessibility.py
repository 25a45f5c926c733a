"""Accessibility basics of every page: French, one h1, labelled controls, no inline code.

Checked with the standard library's HTML parser (no extra dependency): it also
catches unbalanced tags and duplicate ids, a rough validity check.
"""

from __future__ import annotations

from html.parser import HTMLParser

from flask.testing import FlaskClient

from tests.integration.scheduler.pages.conftest import Case, PlannerLogin, post_form

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset"}


class PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.h1 = 0
        self.lang: str | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "title":
            self._in_title = True
        if tag in ("script", "style"):
            self.problems.append(f"<{tag}> inline")
        for name in found:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"attribute {name} on <{tag}>")
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.label_for.add(str(found["for"]))
        if tag in ("input", "select", "textarea"):
            self.controls.append((tag, found))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def audit(html: str) -> PageAudit:
    page = PageAudit()
    page.feed(html)
    page.close()
    assert page.lang == "fr"
    assert page.h1 == 1, page.h1
    assert page.title.strip()
    assert not page.stack, page.stack
    assert not page.problems, page.problems
    assert len(page.ids) == len(set(page.ids)), sorted(page.ids)
    for tag, attrs in page.controls:
        if tag == "input" and attrs.get("type") in UNLABELLED_TYPES:
            continue
        assert attrs.get("id") in page.label_for or attrs.get("aria-label"), (tag, attrs)
        described = attrs.get("aria-describedby")
        for target in (described or "").split():
            assert target in page.ids, (attrs, target)
    assert 'name="viewport"' in html
    return page


def test_employee_pages(case: Case, client: FlaskClient) -> None:
    from tests.integration.scheduler.pages.conftest import make_case

    large = make_case(case.app, case.tenant, case.clock, headcount=400)
    audit(client.get(large.employee_url).get_data(as_text=True))
    post_form(client, large.employee_url, f"{large.employee_url}/pre-reprise", {})
    large.accept()
    large.confirm_first_slot()
    audit(client.get(large.employee_url).get_data(as_text=True))


def test_employer_pages_with_errors(case: Case, client: FlaskClient) -> None:
    audit(client.get(case.employer_url).get_data(as_text=True))
    case.accept()
    page = audit(client.get(case.employer_url).get_data(as_text=True))
    assert len([c for c in page.controls if c[1].get("type") == "radio"]) == 6
    answer = post_form(client, case.employer_url, f"{case.employer_url}/confirmer",
                       {"creneau": "autre", "date": "2027-01-15", "heure": "", "mode": "x"})
    assert answer.status_code == 422
    audit(answer.get_data(as_text=True))


def test_planner_pages(case: Case, planner: PlannerLogin, client: FlaskClient) -> None:
    audit(client.get("/planner/connexion").get_data(as_text=True))
    case.accept()
    audit(planner.client.get("/planner").get_data(as_text=True))
    audit(planner.client.get(f"/planner/procedures/{case.procedure_id}").get_data(as_text=True))
    audit(post_form(planner.client, "/planner", "/planner/agenda/lien", {}).get_data(
        as_text=True))


def test_error_pages(case: Case, client: FlaskClient) -> None:
    for url in ("/e/abc", "/l/abc", "/planner/nulle-part"):
        answer = client.get(url)
        assert answer.status_code == 404
        audit(answer.get_data(as_text=True))
    answer = client.post(f"{case.employee_url}/reponse", data={})
    assert answer.status_code == 400
    audit(answer.get_data(as_text=True))


def test_buttons_have_the_visible_french_names(case: Case, client: FlaskClient) -> None:
    html = client.get(case.employee_url).get_data(as_text=True)
    assert ">Accepter</button>" in html and ">Refuser</button>" in html
    case.accept()
    assert ">Confirmer ce créneau</button>" in client.get(case.employer_url).get_data(
        as_text=True)
