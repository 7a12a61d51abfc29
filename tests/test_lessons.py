"""pycore.lessons: what the Learn concept pages compute (Adam's first steps with and without
warmup, the schedule gallery, batch-size scaling, the sliders and the link)."""
import pytest

from pycore import explorer, lessons, lr_series, tuning
from pycore.errors import SpecError

torch = pytest.importorskip("torch")


def gallery(percent):
    """Every family's card, in the page's order."""
    return [lessons.gallery_card(key, percent) for key in lessons.FAMILY_KEYS]


# --- the controls ------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(lessons.CONTROLS))
def test_every_control_accepts_its_bounds_and_its_default(key):
    lo, hi, step, _ = lessons.CONTROLS[key]
    assert lessons.read_control(key, str(lo)) == lo
    assert lessons.read_control(key, str(hi)) == hi
    assert lo <= lessons.read_control(key, lessons.DEFAULTS[key]) <= hi
    assert (hi - lo) % step == 0


@pytest.mark.parametrize("text", ["", " ", "abc", "2.5", "-1", "101", "1e999", "NaN",
                                  "0x10", "1,5", "<b>5</b>"])
def test_a_control_refuses_what_is_not_a_whole_number_in_range(text):
    with pytest.raises(SpecError) as err:
        lessons.read_control("adam-warmup", text)
    assert err.value.field == "adam-warmup"


def test_an_out_of_range_message_names_the_range_and_unit():
    with pytest.raises(SpecError) as err:
        lessons.read_control("gallery-warmup", "31")
    assert err.value.allowed == "must be a whole number from 0 to 30 (percent of the run)"


def test_describe_control_says_what_the_slider_means():
    assert lessons.describe_control("adam-warmup", 1000) == "1,000 updates"
    assert lessons.describe_control("gallery-warmup", 5) == "5% of the run (50 updates)"
    assert lessons.describe_control("batch-power", 13) == "8,192 examples per update"
    assert lessons.describe_control("layer-decay", 100) == "1 per block"


def test_an_unknown_control_is_a_spec_error():
    with pytest.raises(SpecError):
        lessons.describe_control("nope", 1)


# --- Adam's first steps ------------------------------------------------------------------


def test_gradients_are_seeded_and_centred_on_the_mean():
    a = lessons.noisy_gradients(2000)
    assert a == lessons.noisy_gradients(2000)
    assert abs(sum(a) / len(a) - lessons.GRADIENT_MEAN) < 0.1
    assert lessons.noisy_gradients(5, seed=1) != lessons.noisy_gradients(5, seed=2)


def test_warmup_spec_climbs_from_zero_to_the_rate():
    lrs = lr_series(lessons.warmup_spec(20), 40)
    assert lrs[0] == 0.0
    assert lrs[10] == pytest.approx(lessons.ADAM_LR / 2)
    assert lrs[20:] == [lessons.ADAM_LR] * 20
    assert lr_series(lessons.warmup_spec(0), 5) == [lessons.ADAM_LR] * 5


def test_update_sizes_match_torch_adam():
    gradients = lessons.noisy_gradients(60)
    lrs = lr_series(lessons.warmup_spec(15), 60)
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1.0)
    expected = []
    for lr, g in zip(lrs, gradients):
        opt.param_groups[0]["lr"] = lr
        before = p.item()
        p.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        expected.append(abs(p.item() - before))
    got = lessons.adam_update_sizes(lrs, gradients)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e6, -1e3])
def test_adams_first_update_has_the_size_of_the_rate_for_any_gradient_above_eps(scale):
    size = lessons.adam_update_sizes([0.01], [scale])[0]
    assert size == pytest.approx(0.01, rel=1e-4)


def test_warmup_shrinks_the_first_updates_and_leaves_the_later_ones():
    r = lessons.adam_warmup(40)
    assert r["plain"][0] == pytest.approx(1.0, rel=1e-6)
    assert r["warmed"][0] == 0.0
    assert max(r["warmed"][:10]) < max(r["plain"][:10]) / 10
    assert r["warmed"][40:] == pytest.approx(r["plain"][40:], rel=1e-12)


def test_without_warmup_the_early_updates_dwarf_the_settled_ones():
    r = lessons.adam_warmup(0)
    late = r["plain"][lessons.ADAM_SETTLED:]
    settled = sum(late) / len(late)
    assert max(r["plain"][:lessons.ADAM_EARLY]) > 3 * settled
    assert r["warmed"] == r["plain"]


def test_adam_summary_is_formatted_from_the_sizes():
    r = lessons.adam_warmup(20)
    summary = dict(r["summary"])
    assert summary["Largest of the first 10 updates, no warmup"] == "1 x lr"
    assert summary["Largest of the first 10 updates, linear warmup over 20 updates"] == (
        "%s x lr" % lessons.format_sig(max(r["warmed"][:10]), 3))
    assert summary["Ma & Yarats's warmup for beta2 = 0.999"] == "2,000 updates"
    assert [c["label"] for c in r["chart"]["curves"]] == [
        "no warmup", "linear warmup over 20 updates"]


def test_untuned_warmup_is_two_over_one_minus_beta2():
    assert lessons.untuned_warmup(0.999) == pytest.approx(2000.0)
    assert lessons.untuned_warmup(0.99) == pytest.approx(200.0)


def explorer_read(fragment):
    state, problems = explorer.read_fragment(fragment)
    assert problems == []
    values, errors = explorer.read(state)
    assert errors == {}
    return values


def test_adam_link_opens_the_warmup_over_the_figures_run():
    values = explorer_read(lessons.adam_warmup(30)["fragment"])
    assert values["clean"]["name"] == "constant_with_warmup"
    assert values["clean"]["params"]["num_warmup_steps"] == 30
    assert values["run"]["stepping"] == "update"
    assert values["run"]["n"] == lessons.ADAM_RUN


# --- the gallery ---------------------------------------------------------------------------


def test_gallery_has_one_card_per_family_with_pycores_values():
    cards = gallery(10)
    assert [c["key"] for c in cards] == [f[0] for f in lessons.FAMILIES]
    assert [c["title"] for c in cards] == [f[1] for f in lessons.FAMILIES]
    for card in cards:
        assert card["lrs"] == lr_series(card["spec"], lessons.GALLERY_RUN)
        assert max(card["lrs"]) == pytest.approx(lessons.GALLERY_LR)
        assert card["summary"][0] == ("First update", lessons.format_lr(card["lrs"][0]))


def test_gallery_warmup_applies_to_the_warmup_families_only():
    before, after = gallery(0), gallery(20)
    for a, b in zip(before, after):
        if a["key"] in lessons.WARMUP_FAMILIES:
            assert a["lrs"][0] == lessons.GALLERY_LR
            assert b["lrs"][0] == 0.0
            assert b["warmup"] == 200
            assert b["lrs"][200] == pytest.approx(lessons.GALLERY_LR)
        else:
            assert a["lrs"] == b["lrs"]
            assert b["warmup"] == 0


def test_llama_style_card_ends_at_a_tenth_of_the_peak():
    card = [c for c in gallery(5) if c["key"] == "cosine_min"][0]
    assert card["lrs"][-1] == pytest.approx(lessons.GALLERY_LR / 10, rel=1e-3)


def test_every_gallery_link_opens_its_schedule_over_the_gallery_run():
    for card in gallery(5):
        values = explorer_read(card["fragment"])
        assert values["clean"]["name"] == card["spec"]["name"]
        assert values["run"]["n"] == lessons.GALLERY_RUN
        assert lr_series(values["clean"], 50) == card["lrs"][:50]


@pytest.mark.parametrize("function", [lessons.family_spec, lessons.gallery_card])
def test_an_unknown_family_is_a_spec_error(function):
    with pytest.raises(SpecError) as err:
        function("linear_warmup", 0)
    assert err.value.field == "family"


# --- batch size ----------------------------------------------------------------------------


@pytest.mark.parametrize("power", [8, 13, 16])
def test_batch_scaling_follows_the_two_rules(power):
    r = lessons.batch_scaling(power)
    kappa = 2 ** power / tuning.REFERENCE_BATCH
    assert r["linear"] == pytest.approx(0.1 * kappa)
    assert r["sqrt"] == pytest.approx(0.1 * kappa ** 0.5)
    assert r["warmup"] == tuning.warmup_steps(tuning.WARMUP_EPOCHS, 1281167, 2 ** power)
    assert dict(r["summary"])["Linear rule"] == lessons.format_lr(r["linear"])


def test_batch_note_only_past_the_linear_rules_evidence():
    assert lessons.batch_scaling(13)["note"] == ""
    assert "8,192" in lessons.batch_scaling(14)["note"]


def test_batch_link_is_the_tuning_pages_state():
    r = lessons.batch_scaling(11)
    raw, problems = tuning.read_fragment(r["fragment"])
    assert problems == []
    assert raw == lessons.batch_raw(2048)
    values, errors = tuning.read("batch", raw)
    assert errors == {}
    assert tuning.compute("batch", values)["chart_json"] == r["chart_json"]


# --- layer-wise decay ---------------------------------------------------------------------


def test_layer_decay_is_the_tuning_pages_layer_section():
    r = lessons.layer_decay(65)
    raw, problems = tuning.read_fragment(r["fragment"])
    assert problems == [] and raw == lessons.layer_raw(65)
    assert raw["layers-decay"] == "0.65"
    values, errors = tuning.read("layers", raw)
    assert errors == {}
    assert tuning.compute("layers", values)["chart_json"] == r["chart_json"]


def test_each_block_moves_decay_times_the_one_above():
    rates = lessons.layer_decay(70)["rates"]
    assert rates[-1] == pytest.approx(1e-4)
    for lower, upper in zip(rates[1:-2], rates[2:-1]):
        assert lower == pytest.approx(0.7 * upper)


def test_no_decay_gives_every_group_the_heads_rate():
    assert lessons.layer_decay(100)["rates"] == pytest.approx([1e-4] * 14)


# --- the link --------------------------------------------------------------------------------


def test_fragment_keeps_only_what_differs_from_the_defaults():
    raw = dict(lessons.DEFAULTS)
    assert lessons.fragment_of(raw) == ""
    raw["gallery-warmup"] = "12"
    assert lessons.fragment_of(raw) == "gallery-warmup=12"


def test_read_fragment_takes_the_pages_keys_and_reports_the_rest():
    raw, problems = lessons.read_fragment(
        "#gallery-warmup=12&adam-warmup=%zz&batch-power=9&x=<b>",
        ["adam-warmup", "gallery-warmup"])
    assert raw == {"adam-warmup": lessons.DEFAULTS["adam-warmup"], "gallery-warmup": "12"}
    assert len(problems) == 3
    assert '"batch-power"' in problems[1] and "adam-warmup" in problems[0]


def test_read_fragment_keeps_bad_text_for_the_page_to_report():
    raw, problems = lessons.read_fragment("adam-warmup=abc", ["adam-warmup"])
    assert raw == {"adam-warmup": "abc"} and problems == []


def test_a_heading_anchor_is_not_state():
    assert not lessons.is_state("#the-common-schedules")
    raw, problems = lessons.read_fragment("#the-common-schedules", ["gallery-warmup"])
    assert raw == {"gallery-warmup": lessons.DEFAULTS["gallery-warmup"]} and problems == []
