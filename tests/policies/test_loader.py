"""Loading policy files: what a RevOps admin sees when the file is right, and when it is not."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from policies.loader import (
    LoadedPolicy,
    PolicyError,
    bundled_policy_path,
    load_policy_file,
    load_policy_text,
)
from policies.problems import PolicyIssue

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"

BASE = """\
name: Test matrix
timezone: America/New_York
escalation_channel: C0ESCALATE
admins: [U0REVOPS]
approvers:
  sdr:
    name: Sarah Chen
    avatar: qualification
  manager:
    name: Marcus Thompson
    slack_user: U0MARCUS
    sla: 24h
    backups: [cfo]
  finance:
    name: James Rodriguez
    avatar: finance
    limits: {max_discount: 15}
    backups: [cfo]
  cfo:
    name: Lisa Wong
    slack_user: U0LISA
    sla: 2h
stages:
  - name: Qualification
    approvals:
      - approver: sdr
  - name: Deal approval
    approvals:
      - approver: manager
        when: acv <= 250000
      - approver: cfo
        when: acv > 250000 or discount > 15
  - name: Reviews
    approvals:
      - approver: finance
        when: discount > 0
"""


def variant(*edits: tuple[str, str], base: str = BASE) -> str:
    """``base`` with each ``(old, new)`` applied; ``old`` must occur exactly once."""
    text = base
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def line_of(text: str, fragment: str) -> int:
    """1-based line where the only occurrence of ``fragment`` starts."""
    assert text.count(fragment) == 1, fragment
    return text[: text.index(fragment)].count("\n") + 1


def problems(text: str) -> list[PolicyIssue]:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text)
    return caught.value.issues


def only_problem(text: str) -> PolicyIssue:
    issues = problems(text)
    assert len(issues) == 1, [str(issue) for issue in issues]
    return issues[0]


# --- valid files ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["revops.yml", "contract.yml"])
def test_example_policies_load_without_warnings(name: str) -> None:
    loaded = load_policy_file(EXAMPLES / name)
    assert loaded.warnings == []
    assert loaded.source == str(EXAMPLES / name)
    assert loaded.content == (EXAMPLES / name).read_text()
    assert len(loaded.version) == 64


def test_bundled_policy_is_the_revops_example_with_the_seed_personas() -> None:
    assert bundled_policy_path() == EXAMPLES / "revops.yml"
    policy = load_policy_file(bundled_policy_path()).policy
    names = {aid: approver.name for aid, approver in policy.approvers.items()}
    assert names == {
        "sdr": "Sarah Chen",
        "manager": "Marcus Thompson",
        "legal": "Priya Patel",
        "finance": "James Rodriguez",
        "cfo": "Lisa Wong",
        "ceo": "Daniel Kim",
        "counsel": "Omar Haddad",
    }
    assert [stage.name for stage in policy.stages] == ["Qualification", "Deal approval", "Reviews"]
    assert policy.approver("manager").limits.max_acv == 250000
    assert policy.backup_chain("manager") == ["cfo", "ceo"]
    assert policy.approver("legal").is_human


def test_base_policy_loads() -> None:
    loaded = load_policy_text(BASE, source="base.yml")
    assert isinstance(loaded, LoadedPolicy)
    assert loaded.source == "base.yml"
    assert loaded.warnings == []


# --- every problem at once ----------------------------------------------------------------


def test_three_mistakes_are_all_reported_with_their_lines() -> None:
    text = variant(
        ("sla: 2h", "sla: 2 hours"),
        ("- approver: cfo\n", "- approver: cfoo\n"),
        ("when: discount > 0", "when: discont > 0"),
    )
    assert [(issue.line, issue.path) for issue in problems(text)] == [
        (22, "approvers.cfo.sla"),
        (31, "stages[1].approvals[1].approver"),
        (36, "stages[2].approvals[0].when"),
    ]
    assert [str(issue) for issue in problems(text)] == [
        "line 22: approvers.cfo.sla: '2 hours' is not a duration; write a number and a unit, "
        "such as 90s, 30m, 24h or 2d; business time is written 8bh (hours) or 2bd (days)",
        "line 31: stages[1].approvals[1].approver: 'cfoo' is not a defined approver; "
        "did you mean 'cfo'?",
        "line 36: stages[2].approvals[0].when: unknown field 'discont'; did you mean "
        "'discount'? (fields: acv, discount, term_months, employees, industry, company, "
        "use_case, budget_indicated, custom_terms; quote text values, as in "
        "industry == 'Finance')",
    ]


def test_policy_error_prints_the_source_and_every_issue() -> None:
    text = variant(("sla: 2h", "sla: 2x"), ("sla: 24h", "sla: 1y"))
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, source="matrix.yml")
    assert caught.value.source == "matrix.yml"
    assert str(caught.value).splitlines()[0] == "matrix.yml: 2 problems"
    assert str(caught.value).splitlines()[1].startswith("  line 12: approvers.manager.sla: '1y'")


# --- one test per kind of mistake ---------------------------------------------------------

CASES = [
    pytest.param(
        ("- approver: manager", "- approver: manger"),
        "stages[1].approvals[0].approver",
        "- approver: manger",
        "'manger' is not a defined approver; did you mean 'manager'?",
        id="undefined approver in a stage",
    ),
    pytest.param(
        ("- approver: sdr", "- approver: legal"),
        "stages[0].approvals[0].approver",
        "- approver: legal",
        "'legal' is not a defined approver; define it under approvers: "
        "(defined: sdr, manager, finance, cfo)",
        id="undefined approver without a close match",
    ),
    pytest.param(
        ("    backups: [cfo]\n  finance", "    backups: [cfoo]\n  finance"),
        "approvers.manager.backups[0]",
        "backups: [cfoo]",
        "'cfoo' is not a defined approver; did you mean 'cfo'?",
        id="undefined backup",
    ),
    pytest.param(
        ("    backups: [cfo]\n  finance", "    backups: [cfo, manager]\n  finance"),
        "approvers.manager.backups[1]",
        "backups: [cfo, manager]",
        "'manager' lists itself as a backup",
        id="self backup",
    ),
    pytest.param(
        ("    sla: 2h\n", "    sla: 2h\n    backups: [manager]\n"),
        "approvers.manager.backups",
        "backups: [cfo]\n  finance",
        "backup chain loops: manager → cfo → manager; remove 'manager' from approvers.cfo.backups",
        id="backup loop",
    ),
    pytest.param(
        ("        when: acv > 250000 or discount > 15\n", "      - approver: manager\n"),
        "stages[1].approvals[2].approver",
        None,
        "'manager' is already in this stage (approvals[0]); keep one approval and join the "
        "conditions with `or`",
        id="same approver twice in a stage",
    ),
    pytest.param(
        ("slack_user: U0MARCUS", "slack_usr: U0MARCUS"),
        "approvers.manager.slack_usr",
        "slack_usr",
        "unknown key 'slack_usr'; did you mean 'slack_user'?",
        id="unknown key",
    ),
    pytest.param(
        ("admins: [U0REVOPS]", "admins: [U0REVOPS]\ncolour: blue"),
        "colour",
        "colour",
        "unknown key 'colour' (keys here: name, timezone,",
        id="unknown key without a close match",
    ),
    pytest.param(
        ("avatar: finance", "avatar: financ"),
        "approvers.finance.avatar",
        "avatar: financ",
        "unknown avatar 'financ'; did you mean 'finance'? "
        "(avatars: qualification, manager, legal, finance, cfo)",
        id="unknown avatar",
    ),
    pytest.param(
        ("    name: Lisa Wong\n", ""),
        "approvers.cfo.name",
        "  cfo:",
        "`name` is required",
        id="missing key",
    ),
    pytest.param(
        ("    slack_user: U0LISA\n", ""),
        "approvers.cfo",
        "  cfo:",
        "has neither `slack_user` nor `avatar`; give the person's Slack user id",
        id="neither human nor avatar",
    ),
    pytest.param(
        ("sla: 24h", "sla: 24"),
        "approvers.manager.sla",
        "sla: 24",
        "24 has no unit; write it as 24s, 24m or 24h",
        id="duration without unit",
    ),
    pytest.param(
        ("when: acv <= 250000", "when: industry > 5"),
        "stages[1].approvals[0].when",
        "when: industry > 5",
        "`industry > 5` compares text with a number",
        id="condition type mismatch",
    ),
    pytest.param(
        ("admins: [U0REVOPS]", "admins: [revops]"),
        "admins[0]",
        "admins:",
        "'revops' is not a Slack user id; use the member id such as U0LISA",
        id="admin not a Slack id",
    ),
    pytest.param(
        ("escalation_channel: C0ESCALATE", "escalation_channel: '#escalations'"),
        "escalation_channel",
        "escalation_channel",
        "'#escalations' is not a Slack channel id; use the id such as C0DEALDESK",
        id="channel name instead of id",
    ),
    pytest.param(
        ("timezone: America/New_York", "timezone: Eastern"),
        "timezone",
        "timezone",
        "'Eastern' is not a time zone; use an IANA name such as America/New_York",
        id="unknown time zone",
    ),
    pytest.param(
        ("limits: {max_discount: 15}", "limits: {max_discount: lots}"),
        "approvers.finance.limits.max_discount",
        "limits:",
        "expected a number, not 'lots'",
        id="limit not a number",
    ),
    pytest.param(
        ("  cfo:\n", "  CFO:\n"),
        "approvers.CFO",
        "CFO:",
        "'CFO' is not an approver id; use lowercase letters, digits and _",
        id="approver id not lowercase",
    ),
    pytest.param(
        ("    approvals:\n      - approver: sdr\n", "    approvals: []\n"),
        "stages[0].approvals",
        "approvals: []",
        "`approvals` is empty; add at least one `- approver: ...`, or remove the stage",
        id="stage without approvals",
    ),
]


@pytest.mark.parametrize(("edit", "path", "line_fragment", "message"), CASES)
def test_each_mistake_is_located_and_explained(
    edit: tuple[str, str], path: str, line_fragment: str | None, message: str
) -> None:
    text = variant(edit)
    issues = [issue for issue in problems(text) if issue.path == path]
    assert len(issues) == 1, [str(issue) for issue in problems(text)]
    if line_fragment is not None:
        assert issues[0].line == line_of(text, line_fragment)
    assert message in issues[0].message
    assert "Value error" not in issues[0].message


def test_same_approver_twice_points_at_the_second() -> None:
    text = variant(("        when: acv > 250000 or discount > 15\n", "      - approver: manager\n"))
    issue = only_problem(text)
    assert (issue.path, issue.line) == ("stages[1].approvals[2].approver", 32)


def test_each_backup_loop_is_reported_once() -> None:
    text = variant(
        ("    sla: 2h\n", "    sla: 2h\n    backups: [manager, finance]\n"),
        ("    backups: [cfo]\n  cfo", "    backups: [cfo, manager]\n  cfo"),
    )
    loops = [issue.message.split(";")[0] for issue in problems(text) if "loops" in issue.message]
    assert loops == [
        "backup chain loops: manager → cfo → manager",
        "backup chain loops: manager → cfo → finance → manager",
        "backup chain loops: finance → cfo → finance",
    ]


def test_a_missing_top_level_key_points_at_the_top() -> None:
    issue = only_problem(variant(("name: Test matrix\n", "")))
    assert (issue.path, issue.line, issue.message) == ("name", 1, "`name` is required")


# --- YAML-level problems ----------------------------------------------------------------


def test_duplicate_key_is_reported_at_the_second_occurrence() -> None:
    text = variant(("    sla: 2h\n", "    sla: 2h\n    sla: 4h\n"))
    issue = only_problem(text)
    assert (issue.path, issue.line) == ("approvers.cfo.sla", 23)
    assert "duplicate key 'sla' (first on line 22)" in issue.message


def test_duplicate_approver_is_reported() -> None:
    text = variant(("  cfo:\n", "  sdr:\n    name: Sam\n    avatar: qualification\n  cfo:\n"))
    issue = only_problem(text)
    assert (issue.path, issue.line) == ("approvers.sdr", 19)
    assert "first on line 6" in issue.message


@pytest.mark.parametrize(
    ("text", "line", "hint"),
    [
        ("name: x\napprovers: [a,\n", 3, "not valid YAML"),
        ("name: x\n\tapprovers: {}\n", 2, "indent with spaces, not tabs"),
        ("name: x\ntitle: VP: Finance\n", 2, "quote a value that contains ': '"),
        ("name: x\n---\nname: y\n", 2, "expected a single document"),
        ("name: x\nbad: \x07\n", 2, "control character '\\x07'"),
    ],
)
def test_yaml_syntax_error_has_its_line(text: str, line: int, hint: str) -> None:
    issue = only_problem(text)
    assert (issue.path, issue.line) == ("", line)
    assert hint in issue.message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "the policy file is empty; it needs at least name:, approvers: and stages:"),
        ("# only a comment\n", "the policy file is empty"),
        (
            "- sdr\n- cfo\n",
            "a policy is a mapping of keys (name:, approvers:, stages:), not a list",
        ),
    ],
)
def test_empty_or_not_a_mapping(text: str, hint: str) -> None:
    assert hint in only_problem(text).message


def test_python_tags_are_refused_not_run() -> None:
    text = variant(("name: Test matrix", "name: !!python/object/apply:os.getcwd []"))
    issue = only_problem(text)
    assert (issue.path, issue.line) == ("name", 1)
    assert "the tag 'tag:yaml.org,2002:python/object/apply:os.getcwd' is not supported" in (
        issue.message
    )


def test_merge_keys_work_and_keep_their_lines() -> None:
    text = variant(
        ("  sdr:\n", "  human: &human\n    name: Base\n    slack_user: U0BASE\n  sdr:\n"),
        ("    name: Lisa Wong\n    slack_user: U0LISA\n", "    <<: *human\n    name: Lisa Wong\n"),
    )
    loaded = load_policy_text(text)
    assert loaded.policy.approver("cfo").slack_user == "U0BASE"
    assert loaded.policy.approver("cfo").name == "Lisa Wong"
    [unused] = loaded.warnings
    assert (unused.path, unused.line) == ("approvers.human", 6)


def test_alias_bomb_is_refused() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    assert "more than 50,000 values" in only_problem("\n".join(levels)).message


def test_an_undefined_alias_is_named_at_its_line() -> None:
    issue = only_problem(variant(("    name: Lisa Wong\n", "    name: *lisa\n")))
    assert issue.line == 20  # Lisa Wong's name, under cfo:
    assert "found undefined alias 'lisa'" in issue.message


def test_nesting_beyond_any_policy_is_refused() -> None:
    text = "name: deep\nstages: " + "[" * 200 + "]" * 200 + "\n"
    assert "nested too deeply to be a policy" in only_problem(text).message


def test_a_policy_with_thousands_of_approvers_loads() -> None:
    """More values than the alias-bomb floor: the limit grows with the file's lines."""
    count = 5_000
    people = "".join(
        f"  tm{n}: {{name: Territory Manager {n}, slack_user: UB{n:05d}, sla: 24h}}\n"
        for n in range(count)
    )
    rules = "".join(
        f"      - {{approver: tm{n}, when: \"industry == 'T{n}'\"}}\n" for n in range(count)
    )
    stages = f"stages:\n  - name: Deal\n    approvals:\n{rules}"
    text = f"name: Territories\napprovers:\n{people}{stages}"

    loaded = load_policy_text(text)

    assert len(loaded.policy.approvers) == count
    assert loaded.policy.approver(f"tm{count - 1}").slack_user == f"UB{count - 1:05d}"


# --- files ------------------------------------------------------------------------------


def test_missing_file_is_one_clear_issue(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yml"
    with pytest.raises(PolicyError) as caught:
        load_policy_file(missing)
    assert caught.value.source == str(missing)
    [issue] = caught.value.issues
    assert (issue.path, issue.line) == ("", None)
    assert str(issue) == "no such file; check the path, or start from policies/examples/revops.yml"


def test_directory_is_one_clear_issue(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_file(tmp_path)
    assert "is a directory" in caught.value.issues[0].message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("name: Übersicht\n".encode("latin-1"))
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    assert "is not UTF-8 text" in caught.value.issues[0].message


# --- warnings ---------------------------------------------------------------------------

NO_ESCALATION = ("escalation_channel: C0ESCALATE\n", "")


@pytest.mark.parametrize(
    ("edits", "path", "fragment", "hint"),
    [
        pytest.param(
            [NO_ESCALATION, ("    limits: {max_discount: 15}\n    backups: [cfo]\n", "")],
            "approvers.finance",
            "  finance:",
            "what exceeds its limits would wait for an admin; add backups: [manager]",
            id="handing avatar without backups",
        ),
        pytest.param(
            [NO_ESCALATION],
            "approvers.cfo",
            "  cfo:",
            "if Lisa Wong does not decide within the SLA (2h), the approval has nowhere to go",
            id="human without backups",
        ),
        pytest.param(
            [("  cfo:\n", "  ceo:\n    name: Daniel Kim\n    slack_user: U0DANIEL\n  cfo:\n")],
            "approvers.ceo",
            "  ceo:",
            "'ceo' is defined but used in no stage and no backup list",
            id="unused approver",
        ),
    ],
)
def test_warnings(edits: list[tuple[str, str]], path: str, fragment: str, hint: str) -> None:
    text = variant(*edits)
    loaded = load_policy_text(text)
    found = [warning for warning in loaded.warnings if warning.path == path]
    assert len(found) == 1, [str(warning) for warning in loaded.warnings]
    assert found[0].line == line_of(text, fragment)
    assert hint in found[0].message


def test_qualification_avatar_needs_no_backups() -> None:
    loaded = load_policy_text(variant(NO_ESCALATION))
    assert "approvers.sdr" not in [warning.path for warning in loaded.warnings]


# --- version ----------------------------------------------------------------------------


def test_version_ignores_comments_and_layout() -> None:
    reformatted = variant(
        ("name: Test matrix", "# The matrix\nname:   'Test matrix'   # a comment"),
        ("limits: {max_discount: 15}", "limits:\n      max_discount: 15\n"),
        ("admins: [U0REVOPS]", "admins:\n  - U0REVOPS"),
    )
    assert load_policy_text(reformatted).version == load_policy_text(BASE).version


POLICIES = [path for path in sorted(EXAMPLES.glob("*.yml")) if ".tests." not in path.name]


@pytest.mark.parametrize("path", [*POLICIES, "base"], ids=lambda path: getattr(path, "name", path))
def test_version_is_the_hash_deployed_databases_hold(path: Path | str) -> None:
    """Versions are stored with every deal: a new way to compute one must give the same
    hash as the first (sha256 of the model's JSON, keys sorted, ASCII-escaped)."""
    if path == "base":
        loaded = load_policy_text(variant(("name: Test matrix", "name: Zürich — 東京 desk")))
    else:
        loaded = load_policy_text(Path(path).read_text(encoding="utf-8"))
    first = json.loads(loaded.policy.model_dump_json(exclude={"tests"}))
    canonical = json.dumps(first, sort_keys=True, separators=(",", ":"))
    assert loaded.version == hashlib.sha256(canonical.encode()).hexdigest()


def test_version_changes_when_a_limit_changes() -> None:
    changed = variant(("max_discount: 15", "max_discount: 20"))
    assert load_policy_text(changed).version != load_policy_text(BASE).version


# --- backup chains ----------------------------------------------------------------------


def test_backup_chain_is_own_backups_first_then_breadth_first() -> None:
    text = variant(
        ("    backups: [cfo]\n  finance", "    backups: [finance, cfo]\n  finance"),
        ("    limits: {max_discount: 15}\n    backups: [cfo]", "    backups: [sdr]"),
        ("    sla: 2h\n", "    sla: 2h\n    backups: [sdr]\n"),
    )
    policy = load_policy_text(text).policy
    assert policy.backup_chain("manager") == ["finance", "cfo", "sdr"]  # not finance, sdr, cfo
    assert policy.backup_chain("cfo") == ["sdr"]
    assert policy.backup_chain("sdr") == []
