"""`agent-console audit head` prints the chain's head for the admin to keep outside the
database; `audit verify --head ID:HASH` proves the history up to it is unchanged, and
catches what the chain alone cannot: history rewritten and hashed anew by someone who can
write the tables."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import text

from console.cli import main
from console.data.audit import FIELDS, GENESIS, canonical_time, chain_hash
from tests.conftest import Desk
from tests.test_audit import _history, _sql, _untrigger


async def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def rehash(desk: Desk) -> None:
    """What someone with write access to the tables does after changing history: hash
    the whole chain anew and move the head, so that it verifies."""
    async with desk.db.engine.begin() as conn:
        rows = (
            await conn.execute(text(f"SELECT id, {', '.join(FIELDS)} FROM events ORDER BY id"))
        ).all()
        prev = GENESIS
        for row in rows:
            values = list(row[1:])
            values[5] = canonical_time(values[5])
            digest = chain_hash(prev, values)
            await conn.execute(
                text("UPDATE events SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": prev, "h": digest, "i": row[0]},
            )
            prev = digest
        await conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'audit_head'"),
            {"v": f"{rows[-1][0] if rows else 0} {prev}"},
        )


async def test_a_kept_head_proves_the_history_up_to_it(
    desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    numbers = await _history(desk)
    code, out, _ = await run(capsys, "audit", "head", "--db", db_url, "--json")
    assert code == 0
    kept = json.loads(out)
    code, out, _ = await run(capsys, "audit", "head", "--db", db_url)
    assert out.strip() == f"{kept['id']}:{kept['hash']}"
    anchor = out.strip()

    await desk.service("alice").comment(numbers[0], "Later work does not matter")
    code, out, err = await run(capsys, "audit", "verify", "--head", anchor, "--db", db_url)
    assert code == 0, err
    assert f"unchanged up to event {kept['id']}, the head you kept" in out

    # Rewritten and hashed anew: the chain alone holds, the kept head does not.
    await _untrigger(desk.db)
    await _sql(desk.db, "UPDATE events SET new_value = 'nothing to see' WHERE id = 2")
    await rehash(desk)
    code, out, err = await run(capsys, "audit", "verify", "--db", db_url)
    assert code == 0, err  # what the anchor is for
    code, out, err = await run(capsys, "audit", "verify", "--head", anchor, "--db", db_url)
    assert code == 1
    assert (
        f"the history up to event {kept['id']} (ticket #" in err
        and f"was rewritten and hashed anew: its hash is not the {kept['hash'][:12]}… of "
        "the head you kept."
        in err
    )


async def test_a_kept_head_that_was_deleted_is_named(
    desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await _history(desk)
    _, out, _ = await run(capsys, "audit", "head", "--db", db_url)
    anchor = out.strip()
    last = int(anchor.partition(":")[0])
    await _untrigger(desk.db)
    await _sql(desk.db, f"DELETE FROM events WHERE id >= {last - 1}")
    await rehash(desk)
    code, _, err = await run(capsys, "audit", "verify", "--db", db_url)
    assert code == 0, err
    code, _, err = await run(capsys, "audit", "verify", "--head", anchor, "--db", db_url)
    assert code == 1
    assert f"event {last}, the head you kept, is gone: the history ends at event {last - 2}" in err


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_head_not_as_printed_is_a_usage_error(
    desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        await run(capsys, "audit", "verify", "--head", "12:abc", "--db", db_url)
    assert exited.value.code == 2
    assert "is not a head; give it as `agent-console audit head` prints it" in (
        capsys.readouterr().err
    )
