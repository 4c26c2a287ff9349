"""POST /api/walkthrough through a real server on loopback: the file, its media type and name,
its pages or frames counted, and every bad request a clear 4xx."""
from __future__ import annotations

import io
import shutil
import subprocess

import httpx
import pytest
from PIL import Image

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"   # 12 steps


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def test_pdf_walkthrough_is_a_file_with_a_page_per_step(client, tmp_path):
    r = client.post("/api/walkthrough", json={"source": LECTURE, "format": "pdf"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="backprop-walkthrough-steps-0-end.pdf"'
    (tmp_path / "w.pdf").write_bytes(r.content)
    assert shutil.which("pdfinfo"), "poppler-utils (pdfinfo) is needed: scripts/setup.sh --test"
    info = subprocess.run(["pdfinfo", str(tmp_path / "w.pdf")], capture_output=True, check=True).stdout.decode()
    assert "Pages:           13" in info


def test_gif_range_and_frame_time(client):
    r = client.post("/api/walkthrough", json={"source": LECTURE, "format": "gif", "from": 7, "to": 12,
                                              "frame_ms": 400})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/gif"
    assert 'filename="backprop-walkthrough-steps-7-12.gif"' in r.headers["content-disposition"]
    img = Image.open(io.BytesIO(r.content))
    assert img.n_frames == 6 and img.info["duration"] == 400


def test_pptx_and_mp4_media_types(client):
    for fmt, media in (("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
                       ("mp4", "video/mp4")):
        r = client.post("/api/walkthrough", json={"source": LECTURE, "format": fmt, "from": 0, "to": 2})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == media


def test_html_player(client):
    r = client.post("/api/walkthrough", json={"source": LECTURE, "format": "html", "from": 1, "to": 4})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert 'filename="backprop-walkthrough-steps-1-4.html"' in r.headers["content-disposition"]
    assert r.text.startswith("<!doctype html>") and 'id="bp-data"' in r.text


@pytest.mark.parametrize("body,status,part", [
    ({"from": 5, "to": 2}, 422, "'from' must not be after 'to'"),
    ({"to": 99}, 422, "between 0 and 12"),
    ({"from": -1}, 422, "from"),
    ({"frame_ms": 5}, 422, "frame_ms"),
    ({"format": "docx"}, 422, "format"),
    ({"from": "3"}, 422, "from"),
])
def test_bad_requests_are_clear_422s(client, body, status, part):
    r = client.post("/api/walkthrough", json={"source": LECTURE, **body})
    assert r.status_code == status, r.text
    assert part in r.json()["message"]


def test_a_bad_program_names_its_line(client):
    r = client.post("/api/walkthrough", json={"source": "x = 1.0\ny = x +", "format": "pdf"})
    assert r.status_code == 400
    assert r.json()["line"] == 2


def test_walkthrough_runs_in_the_large_lane(client):
    before = client.get("/api/health").json()
    client.post("/api/walkthrough", json={"source": LECTURE, "format": "gif", "to": 1})
    after = client.get("/api/health").json()
    assert after["counts"].get("rerouted", 0) == before["counts"].get("rerouted", 0)
    assert after["lanes"]["large"]["workers"][0]["started"] >= 1


def test_the_time_limit_is_a_422_naming_a_shorter_range():
    """BACKPROP_WALKTHROUGH_TIME_S (here 0 s): the export stops before its first page."""
    from fastapi.testclient import TestClient

    from app.limits import settings
    from app.main import create_app

    with TestClient(create_app(settings({"BACKPROP_WALKTHROUGH_TIME_S": "0"})),
                    raise_server_exceptions=False) as c:
        r = c.post("/api/walkthrough", json={"source": LECTURE, "format": "pdf"})
    assert r.status_code == 422, r.text
    assert "would take longer than 0 s" in r.json()["message"]
    assert "shorter range" in r.json()["message"]


def test_walkthrough_in_korean_by_lang_or_accept_language(client):
    """The player's words in Korean when the body says "lang": "ko", or the request's
    Accept-Language prefers Korean; the body's lang wins over the header."""
    body = {"source": LECTURE, "format": "html", "from": 0, "to": 1}
    by_body = client.post("/api/walkthrough", json={**body, "lang": "ko"}).text
    by_header = client.post("/api/walkthrough", json=body, headers={"Accept-Language": "ko-KR,ko;q=0.9"}).text
    both = client.post("/api/walkthrough", json={**body, "lang": "en"}, headers={"Accept-Language": "ko"}).text
    plain = client.post("/api/walkthrough", json=body).text
    for page in (by_body, by_header):
        assert '<html lang="ko">' in page and "12단계 중 0단계" in page
    for page in (both, plain):
        assert '<html lang="en">' in page and "Step 0 of 12" in page
    assert client.post("/api/walkthrough", json={**body, "lang": "fr"}).status_code == 422
