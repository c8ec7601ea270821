"""State written before a SIGKILL is there after a restart on the same data dir."""

from __future__ import annotations


def test_temporary_credentials_survive_sigkill(fresh_lenticular):
    sts = fresh_lenticular.client("sts")
    creds = sts.assume_role(
        RoleArn="arn:aws:iam::123456789012:role/durable", RoleSessionName="before-kill"
    )["Credentials"]

    fresh_lenticular.kill()  # no shutdown, no flush
    fresh_lenticular.start()

    after = fresh_lenticular.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).get_caller_identity()
    assert after["Arn"] == "arn:aws:sts::123456789012:assumed-role/durable/before-kill"


def test_sigterm_stops_cleanly(fresh_lenticular):
    assert fresh_lenticular.stop() == 0
    assert not (fresh_lenticular.data_dir / "server.json").exists()
