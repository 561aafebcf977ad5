"""Security headers on every response, set explicitly (a handful of lines; Flask-Talisman would
add a dependency for the same headers and is barely maintained).

- Content-Security-Policy: scripts and styles only from this site (no inline scripts, no
  inline styles, no eval), no framing, forms post only here, no plugins.
- HSTS in production (two years, subdomains), where the site is only served over HTTPS.
- X-Content-Type-Options nosniff, X-Frame-Options DENY (for browsers without CSP level 2),
  Referrer-Policy same-origin, a restrictive Permissions-Policy, and no caching of pages
  that are only for signed-in users.
"""

from flask import Flask, Response, abort, request, session

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=63072000; includeSubDomains"
#: For standalone documents with their own <style> (the minutes export, meant to be saved).
CSP_INLINE_STYLES = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def with_inline_styles(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP_INLINE_STYLES
    return response


def _headers(app: Flask):
    production = app.config["SAMEN_ENV"] == "production"

    def add(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        # Signed in (read from the cookie session: loading the user here would query the
        # database again after the view has finished with it).
        if (
            request.endpoint != "static"
            and "_user_id" in session
            and "Cache-Control" not in headers
        ):
            headers["Cache-Control"] = "no-store"
        return response

    return add


def _refuse_nul_characters() -> None:
    """A NUL character is never valid text: PostgreSQL refuses it (a 500 deep in a query) and
    SQLite would store it. Refused up front, for the path, query, form fields and JSON."""
    texts = [request.path]
    for values in (*request.args.listvalues(), *request.form.listvalues()):
        texts.extend(values)
    if request.is_json:
        texts.append(request.get_data(as_text=True).replace("\\u0000", "\x00"))
    if any("\x00" in text for text in texts):
        abort(400, description="De invoer bevat een ongeldig teken (NUL); er is niets gewijzigd.")


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_characters)
    app.after_request(_headers(app))
