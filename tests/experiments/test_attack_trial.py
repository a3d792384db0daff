from miadeps.datasets import load_adult
from miadeps.experiments import AttackConfig, run_attack


def test_run_attack_finds_members_of_a_1nn_target_on_adult():
    # 1-NN answers every member with its own label at full confidence.
    result = run_attack(
        load_adult(),
        AttackConfig(
            target="knn",
            shadow="knn",
            target_params={"n_neighbors": 1},
            target_size=4000,
            shadow_size=4000,
            mi_models=0,
            seed=0,
        ),
    )
    assert result["target"]["train_accuracy"] == 1.0
    assert result["attack"]["auc"] > 0.6
    assert result["attack"]["balanced_accuracy"] > 0.55
