"""The Dutch HTML pages (home, member list, member page) as a visitor sees them.

Pages are parsed with the standard library's HTMLParser so the tests look at elements and their
text, not at template source. Expected figures come from the shipped CSV files.
"""

import csv
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "governance" / "data"
D = dt.date


# --- reference data, read straight from the CSV files ---------------------------------------


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


MUNICIPALITIES_2016 = _rows("gemeenten_2016.csv")
INHABITANTS_2016 = {r["gm_code"]: int(r["inwoners_2016_01_01"]) for r in MUNICIPALITIES_2016}
GEWESTEN = _rows("gewesten_2016.csv")


def active_municipalities(day: D) -> set[str]:
    """Codes of the municipalities that exist on `day`, from the CSVs alone."""
    start: dict[str, D | None] = {}
    for name in ("gemeenten_2016.csv", "gemeenten_2017.csv"):
        for row in _rows(name):
            start.setdefault(row["gm_code"], None)
    for row in _rows("gemeenten_aanvulling.csv"):
        start[row["gm_code"]] = (
            D.fromisoformat(row["geldig_vanaf"]) if row["geldig_vanaf"] else None
        )
    end = {
        row["oude_code"]: D.fromisoformat(row["ingangsdatum"])
        for row in _rows("herindelingen_2016_2019.csv")
        if not row["soort"].startswith("grenscorrectie")
    }
    return {
        code
        for code, first in start.items()
        if (first is None or first <= day) and (code not in end or day < end[code])
    }


def dutch_number(n: int) -> str:
    """297992 -> '297.992' (Dutch thousands separator)."""
    return f"{n:,}".replace(",", ".")


# --- a minimal DOM -----------------------------------------------------------------------------

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, attrs: dict | None = None) -> list["Node"]:
        attrs = attrs or {}
        return [
            n
            for n in self.iter()
            if n is not self
            and (tag is None or n.tag == tag)
            and all(n.attrs.get(k) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, attrs: dict | None = None) -> "Node":
        found = self.find_all(tag, attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def by_id(self, element_id: str) -> "Node":
        (node,) = self.find_all(attrs={"id": element_id})
        return node

    @property
    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else " " + child.text + " ")
        return " ".join("".join(parts).split())


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v if v is not None else "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


@pytest.fixture
def page(client):
    def get(url: str, status: int = 200) -> Node:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        assert response.mimetype == "text/html", (url, response.mimetype)
        return parse(response.get_data(as_text=True))

    return get


# --- helpers for the member list -------------------------------------------------------------


def member_table(doc: Node) -> Node:
    (table,) = doc.find("main").find_all("table")
    return table


def member_rows(doc: Node) -> list[dict[str, str]]:
    """The body rows of the member list as {column header: cell text}."""
    table = member_table(doc)
    headers = [th.text for th in table.find("thead").find_all("th")]
    rows = []
    for tr in table.find("tbody").find_all("tr"):
        cells = [c.text for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th")]
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


def total_shown(doc: Node) -> str:
    """The number in '<strong>N</strong> leden actief op …'."""
    (status,) = doc.find("main").find_all("p", {"aria-live": "polite"})
    return status.find("strong").text


def facts(doc: Node) -> dict[str, str]:
    """The <dl class="facts"> of a member page as {term: description}."""
    dl = doc.find("dl", {"class": "facts"})
    return {div.find("dt").text: div.find("dd").text for div in dl.find_all("div")}


def link_query(link: Node) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link.get("href")).query)


# --- layout and home page --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/leden/", "/leden/GM0363"])
def test_every_page_is_dutch_with_a_skip_link_to_the_main_content(page, url):
    doc = page(url)
    html = doc.find("html")
    assert html.get("lang") == "nl"
    (main,) = doc.find_all("main")
    first_link = doc.find("body").find("a")
    assert first_link.get("href") == f"#{main.get('id')}", "the first link skips to <main>"
    assert first_link.text  # visible text for the skip link
    assert doc.find("title").text
    assert "Bron: CBS" in doc.find("body").text


def test_home_shows_the_number_of_municipalities_today(page):
    today = dt.date.today()
    expected = len(active_municipalities(today))
    if today >= D(2019, 1, 1):
        assert expected == 355  # no reorganisations after 2019 in the shipped data
    doc = page("/")
    figures = {
        div.find("dt").text: div.find("dd").text
        for div in doc.find("main").find("dl").find_all("div")
    }
    assert figures["Gemeenten"] == dutch_number(expected)
    assert figures["Gewesten in het register"] == "5"
    assert doc.find("main").find("a", {"href": "/leden/"})


# --- member list -----------------------------------------------------------------------------


def test_member_list_is_an_accessible_table_with_the_source(page):
    doc = page("/leden/")
    table = member_table(doc)
    assert table.find("caption").text.startswith("Leden met inwoners en stemgewicht")
    header_cells = table.find("thead").find_all("th")
    assert header_cells and all(th.get("scope") == "col" for th in header_cells)
    for tr in table.find("tbody").find_all("tr"):
        assert [th.get("scope") for th in tr.find_all("th")] == ["row"]
    assert "Bron: CBS" in doc.find("main").text
    today = dt.date.today()
    assert total_shown(doc) == dutch_number(
        len(active_municipalities(today)) + len({row["gewest"] for row in GEWESTEN})
    )


def test_member_list_on_a_date_counts_every_member_of_that_day(page):
    """Gewesten are members too: 390 municipalities and 5 gewesten on 1 January 2016."""
    assert total_shown(page("/leden/?active_on=2016-01-01")) == "395"


def test_member_list_of_municipalities_on_1_january_2016_shows_390(page):
    doc = page("/leden/?active_on=2016-01-01&kind=municipality")
    assert total_shown(doc) == "390"
    assert "1 januari 2016" in member_table(doc).find("caption").text
    rows = member_rows(doc)
    assert {row["Soort"] for row in rows} == {"gemeente"}
    for row in rows:
        assert row["Inwoners"] == dutch_number(INHABITANTS_2016[row["Code"]]), row["Code"]
        assert row["Peildatum"] == "1 januari 2016"


def test_member_list_of_gewesten(page):
    doc = page("/leden/?kind=gewest")
    rows = member_rows(doc)
    assert total_shown(doc) == "5"
    assert {row["Naam"] for row in rows} == {row["gewest"] for row in GEWESTEN}
    assert sorted(row["Code"] for row in rows) == [f"GW000{i}" for i in range(1, 6)]
    assert {row["Soort"] for row in rows} == {"gewest"}


def test_member_list_by_province(page):
    doc = page("/leden/?province=Friesland&active_on=2016-01-01")
    rows = member_rows(doc)
    frisian = {r["gm_code"] for r in MUNICIPALITIES_2016 if r["provincie"] == "Friesland"}
    assert len(frisian) == 24
    assert total_shown(doc) == "24"
    assert {row["Code"] for row in rows} == frisian
    assert {row["Provincie"] for row in rows} == {"Friesland"}
    schiermonnikoog = next(row for row in rows if row["Code"] == "GM0088")
    assert (schiermonnikoog["Inwoners"], schiermonnikoog["Stemmen"]) == ("919", "9")
    selected = doc.by_id("province").find("option", {"value": "Friesland"})
    assert "selected" in selected.attrs, "the chosen filter stays selected"


@pytest.mark.parametrize("q", ["den haag", "Den Haag", "'s-Grav"])
def test_member_list_search_finds_the_hague_by_either_name(page, q):
    doc = page(f"/leden/?q={q}")
    rows = member_rows(doc)
    assert [(row["Code"], row["Naam"]) for row in rows] == [("GM0518", "'s-Gravenhage")]
    assert total_shown(doc) == "1"
    assert doc.by_id("q").get("value") == q, "the search box keeps what was typed"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("active_on=not-a-date", "active_on"),
        ("active_on=2016-13-01", "active_on"),
        ("kind=provincie", "kind"),
        pytest.param("q=" + "a" * 101, "q", id="q-101-chars"),
    ],
)
def test_a_bad_filter_is_a_400_with_a_message_at_the_field(page, query, field):
    doc = page(f"/leden/?{query}", status=400)
    control = doc.by_id(field)
    assert control.get("aria-invalid") == "true"
    message = doc.by_id(control.get("aria-describedby"))
    assert message.text, "the error message is visible text"
    assert "Not a valid" not in message.text and "Invalid" not in message.text, message.text
    assert doc.find("label", {"for": field}), "the field keeps its label"
    assert doc.find_all(attrs={"role": "alert"}), "the error is announced"
    for other in {"q", "kind", "province", "active_on"} - {field}:
        assert doc.by_id(other).get("aria-invalid") is None, other


def test_a_bad_date_tells_the_visitor_in_dutch(page):
    doc = page("/leden/?active_on=not-a-date", status=400)
    message = doc.by_id(doc.by_id("active_on").get("aria-describedby")).text
    assert "datum" in message.lower(), message
    assert doc.by_id("active_on").get("value") == "not-a-date"


def test_pagination_links_keep_the_filters_and_cover_every_member_once(page, client):
    url = "/leden/?active_on=2016-01-01&kind=municipality"
    seen: list[str] = []
    pages = 0
    while url:
        doc = page(url)
        pages += 1
        assert total_shown(doc) == "390"
        seen += [row["Code"] for row in member_rows(doc)]
        nav = doc.find("nav", {"aria-label": "Paginering"})
        following = nav.find_all("a", {"rel": "next"})
        for link in nav.find_all("a"):
            query = link_query(link)
            assert query["active_on"] == ["2016-01-01"], link.get("href")
            assert query["kind"] == ["municipality"], link.get("href")
        url = following[0].get("href") if following else None
        assert pages < 20
    assert pages > 1
    assert len(seen) == len(set(seen)) == 390
    assert set(seen) == {r["gm_code"] for r in MUNICIPALITIES_2016}


def test_pagination_keeps_a_search_term(page):
    doc = page("/leden/?q=er&active_on=2016-01-01")
    next_link = doc.find("nav", {"aria-label": "Paginering"}).find("a", {"rel": "next"})
    query = link_query(next_link)
    assert query["q"] == ["er"] and query["active_on"] == ["2016-01-01"]
    assert query["page"] == ["2"]
    second = page(next_link.get("href"))
    assert second.by_id("q").get("value") == "er"
    assert total_shown(second) == total_shown(doc)
    first_codes = {row["Code"] for row in member_rows(doc)}
    second_codes = {row["Code"] for row in member_rows(second)}
    assert second_codes and not first_codes & second_codes


# --- member pages ----------------------------------------------------------------------------


def test_a_merged_municipality_says_it_is_no_longer_a_member_and_links_to_its_successor(page):
    doc = page("/leden/GM0381")
    main = doc.find("main")
    assert main.find("h1").text.startswith("Bussum")
    notice = main.find("p", {"class": "notice"})
    assert "geen lid meer" in notice.text
    link = notice.find("a")
    assert (link.get("href"), link.text) == ("/leden/GM1942", "Gooise Meren")
    assert facts(doc)["Lid tot en met"] == "31 december 2015"


def test_a_new_municipality_shows_the_reorganisation_it_came_from(page):
    doc = page("/leden/GM1942")
    main = doc.find("main")
    assert "notice" not in {p.get("class") for p in main.find_all("p")}, "still a member"
    (table,) = [
        t for t in main.find_all("table") if t.find("caption").text.startswith("Herindelingen")
    ]
    assert all(th.get("scope") == "col" for th in table.find("thead").find_all("th"))
    rows = table.find("tbody").find_all("tr")
    sources = {}
    for tr in rows:
        assert tr.find("th").get("scope") == "row"
        assert tr.find("th").text == "1 januari 2016"
        van = tr.find_all("td")[1]
        sources[van.find("a").text] = van.find("a").get("href")
        assert "samenvoeging" in tr.text
    assert sources == {
        "Bussum": "/leden/GM0381",
        "Muiden": "/leden/GM0424",
        "Naarden": "/leden/GM0425",
    }


def test_a_municipality_page_shows_its_votes_and_the_rule(page):
    doc = page("/leden/GM0088")
    assert doc.find("h1").text.startswith("Schiermonnikoog")
    weight = facts(doc)["Stemgewicht in de ALV"]
    assert weight.startswith("9 stemmen")
    assert "1 stem per volle 100 inwoners" in weight
    history = doc.find("main").find("table")
    assert "1 januari 2016" in history.text and "919" in history.text


def test_a_split_municipality_shows_the_shares(page):
    doc = page("/leden/GM0140")
    text = doc.find("main").text
    assert "opsplitsing" in text
    assert "51,2%" in text and "30,94%" in text and "17,86%" in text
    notice = doc.find("main").find("p", {"class": "notice"})
    assert notice.find("a").get("href") == "/leden/GM1900"


def test_a_gewest_page_shows_its_inhabitants_votes_and_municipalities(page, client):
    response = client.get("/api/v1/members?kind=gewest&q=Regio%20Achterhoek")
    (gewest,) = response.get_json()["items"]
    code = gewest["code"]
    assert code.startswith("GW")

    rows_csv = [row for row in GEWESTEN if row["gewest"] == "Regio Achterhoek"]
    inhabitants_2016 = sum(INHABITANTS_2016[row["gm_code"]] for row in rows_csv)
    assert inhabitants_2016 == 297_992

    doc = page(f"/leden/{code}")
    main = doc.find("main")
    assert main.find("h1").text.startswith("Regio Achterhoek")
    assert facts(doc)["Stemgewicht in de ALV"].startswith("29 stemmen")
    assert "1 stem per volle 10.000 inwoners" in facts(doc)["Stemgewicht in de ALV"]

    history = main.find("table")
    row_2016 = next(
        tr for tr in history.find("tbody").find_all("tr") if tr.find("th").text == "1 januari 2016"
    )
    cells = [td.text for td in row_2016.find_all("td")]
    assert cells[:2] == [dutch_number(inhabitants_2016), "29"]
    assert "297.992" in cells

    section = main.find("section", {"aria-labelledby": "gewest-kop"})
    links = {a.text: a.get("href") for a in section.find_all("a")}
    assert links == {row["gemeente"]: f"/leden/{row['gm_code']}" for row in rows_csv}
    assert len(links) == 8


def test_a_lower_case_code_shows_the_member(page):
    assert page("/leden/gm0363").find("h1").text.startswith("Amsterdam")


@pytest.mark.parametrize("url", ["/leden/GM9999", "/bestaat-niet"])
def test_an_unknown_page_is_a_dutch_404(page, url):
    doc = page(url, status=404)
    assert doc.find("html").get("lang") == "nl"
    main = doc.find("main")
    assert main.find("h1").text == "Pagina niet gevonden"
    assert main.find("a", {"href": "/"})
