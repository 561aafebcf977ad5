def test_dump(admin, html):
    for url in ["/voorzieningen/govroam/bewerken", "/voorzieningen/govroam/factsheet", "/voorzieningen/govroam/beoordeling", "/besluiten/nieuw", "/beheer/duidingsmethodiek/waarde"]:
        r = admin.get(url)
        p = html.page(r)
        print("=====", url, r.status_code)
        for f in p.forms:
            print(f["action"], f["method"], [(n, v[:40]) for n, v in f["fields"]])
    r = admin.get("/voorzieningen/govroam/bewerken")
    print(r.text[r.text.index("<main"):][:3000])
