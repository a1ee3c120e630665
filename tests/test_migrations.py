"""The migrations build exactly the schema the models describe."""
from playhouse.schema_diff import diff_models

from portal.features import all_models


def test_migrated_schema_matches_the_models(db):
    diff = diff_models(db.obj, all_models())
    assert not diff, f"models and migrations differ; run `flask --app app db generate NAME`:\n{diff}"
