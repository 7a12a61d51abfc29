"""pycore.lessons cases run under both CPython and MicroPython (tests/parity_cases.py).

Text shown on the pages (summaries, slider descriptions, messages, the tuning link) must
match to the letter; rates and update sizes to 1e-15 relative to their list's largest
value (the cosine schedules touch libm). The explorer links are compared as what the
explorer reads from them: MicroPython's json.dumps writes a spec's keys in another order.
"""
from pycore import explorer, lessons
from pycore.errors import SpecError


def gallery(percent):
    """Every family's card, in the page's order."""
    return [lessons.gallery_card(key, percent) for key in lessons.FAMILY_KEYS]


def _explorer_reads(fragment):
    """The spec and run length the explorer reads from a link."""
    state, problems = explorer.read_fragment(fragment)
    values, errors = explorer.read(state)
    return [problems, sorted(errors.items()), values["clean"], values["run"]["n"],
            values["run"]["stepping"]]


def _controls(emit):
    for key in sorted(lessons.CONTROLS):
        lo, hi, _, _ = lessons.CONTROLS[key]
        emit("lessons.control.%s.describe" % key,
             [lessons.describe_control(key, v) for v in (lo, hi)])
        outcomes = []
        for text in ("", "abc", "2.5", "-1", "1e999", "7", str(hi), str(hi + 1)):
            try:
                outcomes.append(lessons.read_control(key, text))
            except SpecError as err:
                outcomes.append([err.field, err.allowed])
        emit("lessons.control.%s.read" % key, outcomes)


def parity(emit):
    _controls(emit)
    emit("lessons.gradients", lessons.noisy_gradients(50))
    for warmup in (0, 25, 100):
        r = lessons.adam_warmup(warmup)
        emit("lessons.adam.%d.summary" % warmup, [list(p) for p in r["summary"]])
        emit("lessons.adam.%d.plain" % warmup, r["plain"])
        emit("lessons.adam.%d.warmed" % warmup, r["warmed"])
        emit("lessons.adam.%d.link" % warmup, _explorer_reads(r["fragment"]))
    for percent in (0, 5, 30):
        for card in gallery(percent):
            prefix = "lessons.gallery.%d.%s" % (percent, card["key"])
            emit(prefix + ".summary", [list(p) for p in card["summary"]])
            emit(prefix + ".lrs", card["lrs"])
            emit(prefix + ".link", _explorer_reads(card["fragment"]))
    for power in (8, 13, 14, 16):
        r = lessons.batch_scaling(power)
        prefix = "lessons.batch.%d" % power
        emit(prefix + ".summary", [list(p) for p in r["summary"]])
        emit(prefix + ".values", [r["linear"], r["sqrt"], r["warmup"], r["note"]])
        emit(prefix + ".chart", r["chart_json"])
        emit(prefix + ".fragment", r["fragment"])
    for hundredths in (50, 65, 80, 99, 100):
        r = lessons.layer_decay(hundredths)
        prefix = "lessons.layers.%d" % hundredths
        emit(prefix + ".summary", [list(p) for p in r["summary"]])
        emit(prefix + ".rates", r["rates"])
        emit(prefix + ".fragment", r["fragment"])
    emit("lessons.fragment", lessons.fragment_of(
        {"adam-warmup": "35", "gallery-warmup": "5", "batch-power": "a b"}))
    emit("lessons.fragment.read", list(lessons.read_fragment(
        "#gallery-warmup=12&adam-warmup=%zz&batch-power=9&x=1",
        ["adam-warmup", "gallery-warmup"])))
