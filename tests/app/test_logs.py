import logging

import pytest

from app.logs import RedactingFilter, redact, register_secret


@pytest.fixture
def captured():
    logger = logging.getLogger("ledgerbridge.test-redaction")
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Collect()
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, records
    logger.removeHandler(handler)


def test_patterns_are_masked(captured):
    logger, records = captured
    logger.info("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")
    logger.info("POST body grant_type=refresh_token&refresh_token=AB11234567890xyz&client_secret=s3cr3tvalue1")
    logger.info('{"access_token": "tok_live_1234567890", "expires_in": 3600}')
    logger.info("callback ?code=AUTHCODE-123456&state=x")
    logger.warning("basic %s", "Basic Y2xpZW50OnNlY3JldA==")
    text = "\n".join(records)
    for secret in ("eyJhbGci", "AB11234567890xyz", "s3cr3tvalue1", "tok_live_1234567890", "AUTHCODE-123456",
                   "Y2xpZW50OnNlY3JldA=="):
        assert secret not in text
    assert "expires_in" in text


def test_registered_bare_secret_is_masked_anywhere(captured):
    logger, records = captured
    token = "plain-token-value-0987654321"
    register_secret(token)
    logger.info("got %s", token)
    logger.error("failed with %r", {"t": token})
    try:
        raise ValueError(f"bad {token}")
    except ValueError:
        logger.exception("boom")
    assert all(token not in r for r in records)
    assert redact(f"x{token}y") == "x***y"


def test_error_codes_are_not_masked():
    assert redact('{"code": "6240", "Message": "Duplicate Name"}') == '{"code": "6240", "Message": "Duplicate Name"}'


def test_the_log_file_is_owner_only(tmp_path):
    import logging
    import stat

    from app.logs import setup_logging

    path = tmp_path / "logs" / "ledgerbridge.log"
    try:
        setup_logging(log_file=path).info("client Ada Lovelace, trust balance $1,250.00")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "Ada Lovelace" in path.read_text()
    finally:
        for handler in list(logging.getLogger("ledgerbridge").handlers):
            handler.close()
