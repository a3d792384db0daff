import sys

import pytest

from miadeps.exceptions import ConfigError
from miadeps.experiments import (
    PAPER_STUDIES,
    StudySpec,
    builtin_spec_text,
    list_studies,
    load_study,
    resolve_spec,
)
from miadeps.experiments._toml import dumps_toml

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

NAMES = [
    "shadow-size",
    "target-size",
    "class-balance",
    "feature-balance",
    "n-features",
    "entropy",
    "architecture",
    "model-types",
    "mutual-information",
    "indistinguishability",
    "fairness",
    "depth-l2",
    "defenses",
]


def test_builtin_studies_cover_every_experiment_of_the_paper():
    assert list(PAPER_STUDIES) == NAMES
    # The other built-in studies (EXTRA_STUDIES) are not the paper's.
    references = {
        info.name: info.reference
        for info in list_studies()
        if info.name in PAPER_STUDIES
    }
    assert references["class-balance"] == "Fig 4"
    assert references["model-types"] == "Table 2"
    assert references["depth-l2"] == "Table 3"
    assert sorted(references.values()) == sorted(
        [f"Fig {i}" for i in range(2, 12)] + ["Table 2", "Table 3", "Table 5"]
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("profile", ["quick", "paper"])
def test_builtin_study_validates_in_both_profiles(name, profile):
    spec = load_study(name, profile=profile)
    assert spec.name == name and spec.profile == profile
    assert spec.vary and spec.settings()
    if profile == "paper":
        assert spec.reps == 100
    else:
        assert len(spec.settings()) * spec.reps <= QUICK_TRIALS.get(name, 100)


# The defenses study covers ten defenses on three targets (Adult twice,
# German): 105 quick trials, measured at 4 min 33 s on 2 cores.
QUICK_TRIALS = {"defenses": 120}


def test_builtin_study_defaults_to_quick_profile():
    assert load_study("class-balance").profile == "quick"
    paper = load_study("class-balance", profile="paper")
    assert paper.sampling.target_size == 5000
    assert [s["sampling.class_balance"] for s in paper.settings()] == [
        0.1,
        0.2,
        0.3,
        0.4,
        0.5,
        0.6,
        0.7,
        0.8,
        0.9,
    ]


def test_architecture_is_three_grids_over_depth():
    spec = load_study("architecture", profile="paper")
    assert [sorted(grid) for grid in spec.vary] == [
        ["target.params.depth", "target.params.width"],
        ["target.params.depth", "target.params.learning_rate"],
        ["target.params.depth", "target.params.l2"],
    ]
    assert len(spec.settings()) == 5 * (6 + 6 + 7)


def test_model_types_crosses_every_target_with_every_shadow_and_all():
    settings = load_study("model-types").settings()
    pairs = {(s["target.kind"], s["shadow.kind"]) for s in settings}
    assert len(pairs) == 5 * 6
    assert ("svm", "all") in pairs


def test_reps_and_seed_override_the_spec():
    spec = load_study("depth-l2", reps=7, seed=11)
    assert (spec.reps, spec.seed) == (7, 11)


def test_dotted_toml_keys_mean_the_same_as_quoted_ones(tiny_toml):
    quoted = resolve_spec(tomllib.loads(tiny_toml), source="t")
    dotted_text = tiny_toml.replace(
        '"sampling.class_balance" = [0.3, 0.5]', "sampling.class_balance = [0.3, 0.5]"
    )
    assert dotted_text != tiny_toml
    dotted = resolve_spec(tomllib.loads(dotted_text), source="t")
    assert dotted == quoted


@pytest.mark.parametrize("name", ["architecture", "class-balance", "model-types"])
def test_resolved_spec_survives_a_toml_round_trip(name):
    spec = load_study(name)
    text = dumps_toml(spec.model_dump(mode="json", exclude_none=True))
    again = resolve_spec(tomllib.loads(text), source="round trip")
    assert again == spec
    assert again.fingerprint() == spec.fingerprint()


def test_fingerprint_ignores_grid_and_reps_but_not_sizes_or_seed():
    spec = load_study("depth-l2")
    assert load_study("depth-l2", reps=50).fingerprint() == spec.fingerprint()
    assert load_study("depth-l2", seed=1).fingerprint() != spec.fingerprint()
    paper = load_study("depth-l2", profile="paper")
    assert paper.fingerprint() != spec.fingerprint()


@pytest.mark.parametrize(
    ("replace", "by", "match"),
    [
        ("target_size = 200", "target_size = 1", r"sampling\.target_size: .*2.*got 1"),
        ("seed = 3", "seed = -1", r"seed: .*got -1"),
        ("target_size = 200", "target_sise = 200", r"target_sise: unknown field"),
        (
            '"sampling.class_balance" = [0.3, 0.5]',
            '"sampling.class_balance" = [0.3, 1.5]',
            r"setting sampling\.class_balance=1\.5: sampling\.class_balance",
        ),
        (
            '"sampling.class_balance" = [0.3, 0.5]',
            '"target.kind" = ["ann", "cnn"]',
            r"unknown model kind 'cnn'; choose one of ann, lr, svm, rf, knn",
        ),
        (
            '"sampling.class_balance" = [0.3, 0.5]',
            '"sampling.balance" = [0.3]',
            r"'balance' is not a field of sampling; known: target_size",
        ),
        (
            '"sampling.class_balance" = [0.3, 0.5]',
            '"target.params" = [1]',
            r"name one parameter, e\.g\. target\.params\.width",
        ),
        (
            '"sampling.class_balance" = [0.3, 0.5]',
            '"sampling.class_balance" = [0.3, 0.3]',
            r"repeats a value",
        ),
        ('name = "tiny"', 'name = "Tiny Study"', r"name: String should match"),
        ("[attack.params]", "[measure]\nmi_models = 2\n[attack.params]", "mi_models"),
    ],
)
def test_invalid_spec_is_one_line_naming_the_field(
    spec_file, tiny_toml, replace, by, match
):
    assert replace in tiny_toml
    path = spec_file(tiny_toml.replace(replace, by, 1))
    with pytest.raises(ConfigError, match=match) as info:
        load_study(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"spec {path}") or message.startswith(f"spec {path}:")


def test_invalid_toml_syntax_is_reported(spec_file):
    path = spec_file('name = "tiny"\nreps = = 3\n')
    with pytest.raises(ConfigError, match=r"is not valid TOML: .*line 2"):
        load_study(path)


def test_unknown_study_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown study 'clas-balance'; choose one"):
        load_study("clas-balance")
    with pytest.raises(ConfigError, match=r"spec file missing\.toml does not exist"):
        load_study("missing.toml")


def test_unknown_profile_lists_the_profiles(spec_file, tiny_toml):
    with pytest.raises(ConfigError, match=r"no profile 'fast'; its profiles: paper, q"):
        load_study("shadow-size", profile="fast")
    with pytest.raises(ConfigError, match=r"its profiles: none; leave out --profile"):
        load_study(spec_file(tiny_toml), profile="quick")


def test_profile_replaces_the_grid_instead_of_adding_a_dimension():
    spec = load_study("shadow-size", profile="quick")
    assert spec.varied_paths() == ["sampling.shadow_size"]
    assert spec.sampling.target_size == 1000 and spec.sampling.shadow_size == 5000


def test_csv_path_is_taken_from_the_spec_folder(spec_file, tmp_path, tiny_toml):
    text = tiny_toml.replace(
        'dataset = "german"', 'dataset = { csv = "data/x.csv", label = "y" }'
    )
    spec = load_study(spec_file(text))
    assert spec.dataset.csv == str(tmp_path / "data" / "x.csv")


def test_dataset_needs_exactly_one_source(spec_file, tiny_toml):
    text = tiny_toml.replace('dataset = "german"', 'dataset = { label = "y" }')
    with pytest.raises(ConfigError, match=r"dataset: give exactly one of name"):
        load_study(spec_file(text))


def test_builtin_spec_text_is_the_shipped_toml():
    raw = tomllib.loads(builtin_spec_text("fairness"))
    assert raw["name"] == "fairness"
    assert set(raw["profiles"]) == {"quick", "paper"}
    assert isinstance(resolve_spec(raw, source="fairness"), StudySpec)
