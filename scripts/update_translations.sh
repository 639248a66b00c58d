#!/usr/bin/env bash
# Extract messages from loket/ (Python + Jinja templates, emails included), update the catalogues
# in loket/translations (creating the English one if missing) and compile them to .mo.
# Usage: scripts/update_translations.sh            (from anywhere; uses the repo's .venv)
# After running: translate new/changed entries in loket/translations/en/LC_MESSAGES/messages.po
# (no empty msgstr, no fuzzy flags), then run this script again so the .mo matches the .po.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYBABEL="$ROOT/.venv/bin/pybabel"
POT="$(mktemp "${TMPDIR:-/tmp}/loket-messages.XXXXXX.pot")"
trap 'rm -f "$POT"' EXIT
TRANSLATIONS=loket/translations
LOCALES=(en)

"$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 \
    --no-location --sort-output --width 110 \
    --project Loket --copyright-holder "Loket" \
    -o "$POT" .

for locale in "${LOCALES[@]}"; do
    if [[ -f "$TRANSLATIONS/$locale/LC_MESSAGES/messages.po" ]]; then
        "$PYBABEL" update -i "$POT" -d "$TRANSLATIONS" -l "$locale" \
            --width 110 --ignore-obsolete --ignore-pot-creation-date
    else
        "$PYBABEL" init -i "$POT" -d "$TRANSLATIONS" -l "$locale" --width 110
    fi
done

compile_rc=0
"$PYBABEL" compile -d "$TRANSLATIONS" --statistics || compile_rc=$?

# Report what still needs a translator.
"$ROOT/.venv/bin/python" - "$TRANSLATIONS" "${LOCALES[@]}" <<'PY'
import sys
from babel.messages.pofile import read_po

root, *locales = sys.argv[1:]
for loc in locales:
    with open(f"{root}/{loc}/LC_MESSAGES/messages.po", "rb") as fh:
        cat = read_po(fh)
    msgs = [m for m in cat if m.id]
    empty = [m.id for m in msgs if not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in msgs if m.fuzzy]
    print(f"{loc}: {len(msgs)} messages, {len(empty)} untranslated, {len(fuzzy)} fuzzy")
    for mid in dict.fromkeys(empty + fuzzy):
        print(f"  TODO {mid!r}")
PY
exit "$compile_rc"
