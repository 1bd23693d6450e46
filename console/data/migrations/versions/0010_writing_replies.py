"""writing replies: knowledge-base articles with tags, author and edit time; full-text
search of articles and of resolutions (FTS5 on SQLite, GIN text-search indexes on
PostgreSQL); canned replies shared with a team

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-02 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen here as they were when this migration was written (a migration must not change
# when the code does); console.data.search's queries use the same expressions, and a test
# checks that the indexes match them.
PG_RESOLUTION_VECTOR = "to_tsvector('simple'::regconfig, coalesce(resolutions.text, ''))"
PG_ARTICLE_VECTOR = (
    "to_tsvector('simple'::regconfig, coalesce(articles.title, '') || ' ' || "
    "coalesce(articles.body, '') || ' ' || coalesce(articles.tags, ''))"
)

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS = "tokenize = 'unicode61 remove_diacritics 2'"


def _fts5(index: str, source: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """An external-content FTS5 index over ``source``'s ``columns``, kept in step by
    triggers, and filled from the rows already there."""
    names = ", ".join(columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    old = ", ".join(f"OLD.{c}" for c in columns)
    remove = f"INSERT INTO {index} ({index}, rowid, {names}) VALUES ('delete', OLD.id, {old});"
    add = f"INSERT INTO {index} (rowid, {names}) VALUES (NEW.id, {new});"
    return (
        f"CREATE VIRTUAL TABLE {index} USING fts5({names}, "
        f"content = '{source}', content_rowid = 'id', {TOKENS})",
        f"CREATE TRIGGER {source}_search_insert AFTER INSERT ON {source} BEGIN {add} END",
        f"CREATE TRIGGER {source}_search_update AFTER UPDATE OF {names} ON {source} "
        f"BEGIN {remove} {add} END",
        f"CREATE TRIGGER {source}_search_delete AFTER DELETE ON {source} BEGIN {remove} END",
        f"INSERT INTO {index} ({index}) VALUES ('rebuild')",
    )


SQLITE = (
    *_fts5("article_search", "articles", ("title", "body", "tags")),
    *_fts5("resolution_search", "resolutions", ("text",)),
)

POSTGRES = (
    f"CREATE INDEX ix_articles_search ON articles USING gin (({PG_ARTICLE_VECTOR}))",
    f"CREATE INDEX ix_resolutions_search ON resolutions USING gin (({PG_RESOLUTION_VECTOR}))",
)


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("tags", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_articles_author_id_agents"), "agents", ["author_id"], ["id"]
        )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE if sqlite else POSTGRES:
        op.execute(statement)
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["agents.id"], name=op.f("fk_canned_replies_created_by_agents")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_canned_replies_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_canned_replies_team_id")),
    )


def downgrade() -> None:
    op.drop_table("canned_replies")
    if op.get_bind().dialect.name == "sqlite":
        for source in ("articles", "resolutions"):
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {source}_search_{when}")
        op.execute("DROP TABLE IF EXISTS article_search")
        op.execute("DROP TABLE IF EXISTS resolution_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("DROP INDEX IF EXISTS ix_resolutions_search")
    with op.batch_alter_table("articles") as batch:
        batch.drop_constraint(op.f("fk_articles_author_id_agents"), type_="foreignkey")
        batch.drop_column("updated_at")
        batch.drop_column("author_id")
        batch.drop_column("tags")
