"""Norwegian first: every user-facing string in code and templates has a bokmål translation."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_has_a_norwegian_translation(tmp_path):
    pot = tmp_path / "all.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot), "portal", "templates"],
                   cwd=ROOT, check=True, capture_output=True)
    translated = {}
    for po in ROOT.glob("portal/**/translations/nb/LC_MESSAGES/messages.po"):
        with open(po, "rb") as f:
            for message in read_po(f):
                if message.id and message.string and "fuzzy" not in message.flags:
                    translated[message.id if isinstance(message.id, str) else message.id[0]] = True
    with open(pot, "rb") as f:
        wanted = [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id]
    assert len(wanted) > 50  # the extraction found the sources
    missing = sorted(set(wanted) - set(translated))
    assert missing == [], "run `make messages` and translate these:\n" + "\n".join(missing)
