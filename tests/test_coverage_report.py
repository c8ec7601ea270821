"""The coverage report is generated from the registry and the models, and kept current."""

from __future__ import annotations

from pathlib import Path

from lenticular.coverage import report


def test_report_marks_implemented_and_missing_operations():
    text = report()
    assert "- [x] GetCallerIdentity" in text
    assert "- [x] AssumeRole" in text
    assert "- [ ] AssumeRoleWithSAML" in text
    assert "| dynamodb | json | 27 |" in text
    assert "| dynamodbstreams | json | 4 | 4 |" in text
    assert "- [x] PutItem" in text
    assert "- [x] BatchWriteItem" in text
    assert "- [ ] CreateBackup" in text


def test_checked_in_report_is_current():
    checked_in = Path(__file__).parents[1] / "docs" / "coverage.md"
    assert checked_in.read_text() == report()
