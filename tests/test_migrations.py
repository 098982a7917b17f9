"""The migrations build exactly the schema that the models and the sync tables describe."""

from flask_migrate import check


def test_the_migrations_match_the_models(app):
    with app.app_context():
        # Raises, naming each difference, if a model changed without a migration.
        check()
