"""The candidate's way through the portal in headless Chromium."""
import io

import pytest
from PIL import ExifTags, Image
from playwright.sync_api import expect

from portal.candidates.actions import invite_path
from portal.consent.models import Consent
from portal.documents.models import Document
from portal.storage import get
from tests.candidates import files
from tests.factories import make_person


@pytest.mark.browser
def test_invitation_account_cv_profile_photo_and_consent(live_server, page, tmp_path):
    person = make_person(name="Kari Nordmann", email="kari.browser@example.no")
    cv, photo = tmp_path / "Kari CV.pdf", tmp_path / "kari.jpg"
    cv.write_bytes(files.pdf("Kari browser CV") + b"x" * 400_000)
    photo.write_bytes(files.jpeg_with_gps())

    page.goto(live_server.url + invite_path(person))
    expect(page.get_by_text("kari.browser@example.no")).to_be_visible()
    page.get_by_label("Nytt passord").fill("en lang og trygg passordfrase")
    page.get_by_role("button", name="Lagre passordet").click()
    expect(page.get_by_role("heading", name="Dette har vi om deg")).to_be_visible()

    page.get_by_role("link", name="Dokumenter").click()
    page.locator("#file-cv").set_input_files(str(cv))
    page.get_by_role("button", name="Last opp CV").click()
    progress = page.locator("#documents-cv form[data-upload-main] progress")
    expect(page.locator("#documents-cv form[data-upload-main] .upload-status")).to_have_text("Opplastingen er ferdig.")
    expect(progress).to_be_hidden()  # the bar goes away once the upload is done
    expect(page.get_by_role("link", name="Kari CV.pdf")).to_be_visible()

    page.get_by_role("link", name="Profil", exact=True).click()
    work = page.locator("#section-experience")
    work.get_by_role("link", name="Legg til").click()
    work.get_by_label("Arbeidsgiver").fill("Ruter AS")
    work.get_by_label("Stillingstittel").fill("Bussjåfør")
    url_before = page.url
    work.get_by_role("button", name="Lagre").click()
    expect(work.get_by_text("Ruter AS")).to_be_visible()
    assert page.url == url_before  # edited in place, no page load
    work.get_by_role("link", name="Endre").first.click()
    work.get_by_label("Stillingstittel").fill("Trikkefører")
    work.get_by_role("button", name="Lagre").click()
    expect(work.get_by_text("Trikkefører")).to_be_visible()

    page.get_by_role("link", name="Dokumenter").click()
    page.locator("#file-photo").set_input_files(str(photo))
    page.get_by_role("button", name="Last opp bilde").click()
    expect(page.locator("#documents-photo form[data-upload-main] .upload-status")).to_have_text("Opplastingen er ferdig.")
    expect(page.locator("#documents-photo form[data-upload-main] progress")).to_be_hidden()
    expect(page.get_by_role("link", name="kari.jpg")).to_be_visible()
    stored = Image.open(io.BytesIO(get(Document.get(Document.kind == "photo").storage_id)))
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    page.get_by_role("link", name="Samtykker").click()
    page.get_by_role("button", name="Gi samtykke – Markedsføring").click()
    expect(page.get_by_text("Samtykke gitt")).to_be_visible()
    page.get_by_role("button", name="Trekk tilbake samtykket – Markedsføring").click()
    expect(page.get_by_text("Samtykke trukket tilbake")).to_be_visible()
    expect(page.locator(".consent-history tbody tr")).to_have_count(2)
    latest = Consent.select().order_by(Consent.id.desc()).first()
    assert (latest.purpose, latest.given) == ("marketing", False)
