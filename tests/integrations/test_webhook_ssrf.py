"""Webhook targets: only http(s) to public addresses, unless an operator allow-lists a network."""

import socket
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from integrations.webhooks import WebhookUrlRefused, url_check


def resolving_to(*addresses):
    infos = [
        (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 443))
        for address in addresses
    ]
    return mock.patch("integrations.webhooks.socket.getaddrinfo", return_value=infos)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fd00:ec2::254]/",  # AWS metadata over IPv6
        "http://169.254.10.1/",  # link-local
        "http://[fe80::1]/",
        "http://127.0.0.1:8000/",  # loopback
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",  # loopback dressed as IPv6
        "http://10.1.2.3/",  # private
        "http://172.16.0.1/",
        "http://192.168.1.10/",
        "http://[fd12:3456::1]/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",  # unspecified
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://2130706433/",  # 127.0.0.1 as a number
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[2002:a9fe:a9fe::]/",  # 6to4 of the metadata address
        "http://[2002:a00:1::]/",  # 6to4 of 10.0.0.1
        "http://[fec0::1]/",  # site-local
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address
        "http://[64:ff9b:1::a00:1]/",  # local-use NAT64 of 10.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    ],
)
def test_urls_to_non_public_addresses_are_refused(url, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    with pytest.raises(WebhookUrlRefused) as refused:
        url_check(url)

    assert refused.value.code == "webhook_url_refused"
    assert refused.value.field == "url"


def test_a_name_resolving_to_loopback_is_refused_without_the_allow_list(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    with pytest.raises(WebhookUrlRefused, match=r"127\.0\.0\.1"), resolving_to("127.0.0.1"):
        url_check("https://hooks.example.com/in")


def test_a_name_with_any_private_address_among_public_ones_is_refused(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    with pytest.raises(WebhookUrlRefused, match=r"10\.0\.0\.7"), resolving_to("93.184.215.14", "10.0.0.7"):
        url_check("https://hooks.example.com/in")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example.com/in",
        "file:///etc/passwd",
        "gopher://example.com/",
        "https://user:pass@hooks.example.com/",
        "http:///no-host",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://hooks.example.com:99999/",
    ],
)
def test_other_schemes_credentials_and_metadata_names_are_refused_before_any_lookup(url):
    with mock.patch("integrations.webhooks.socket.getaddrinfo") as resolve, pytest.raises(WebhookUrlRefused):
        url_check(url)

    resolve.assert_not_called()


def test_a_name_that_does_not_resolve_is_refused():
    with (
        mock.patch("integrations.webhooks.socket.getaddrinfo", side_effect=socket.gaierror("no such name")),
        pytest.raises(WebhookUrlRefused, match="does not resolve"),
    ):
        url_check("https://nowhere.example.com/")


def test_a_public_target_is_accepted_and_pinned_to_its_checked_address(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    with resolving_to("93.184.215.14"):
        target = url_check("https://Hooks.Example.com./in?tenant=acme")

    assert target.address == "93.184.215.14"
    assert target.host == "hooks.example.com"
    assert target.port == 443
    assert target.path == "/in?tenant=acme"
    assert target.host_header == "hooks.example.com"


def test_an_allow_listed_network_is_accepted_but_metadata_never_is(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16", "169.254.0.0/16"]

    with resolving_to("10.20.3.4"):
        assert url_check("http://receiver.internal:8080/").host_header == "receiver.internal:8080"
    with pytest.raises(WebhookUrlRefused, match="metadata"):
        url_check("http://169.254.169.254/")
    with pytest.raises(WebhookUrlRefused):
        url_check("http://10.21.0.1/")


def test_the_allow_list_comes_from_the_environment_and_a_bad_network_fails_loudly(monkeypatch):
    from config.settings import env_networks

    monkeypatch.setenv("WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8, fd00::/8,192.168.1.7")
    assert env_networks("WEBHOOK_ALLOWED_NETWORKS") == ["10.0.0.0/8", "fd00::/8", "192.168.1.7/32"]

    monkeypatch.setenv("WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/33")
    with pytest.raises(ImproperlyConfigured, match="WEBHOOK_ALLOWED_NETWORKS"):
        env_networks("WEBHOOK_ALLOWED_NETWORKS")

    monkeypatch.delenv("WEBHOOK_ALLOWED_NETWORKS")
    assert env_networks("WEBHOOK_ALLOWED_NETWORKS") == []


@pytest.mark.parametrize("url", ["http://[2002:808:808::]/"])  # 6to4 of 8.8.8.8
def test_a_6to4_form_of_a_public_address_is_accepted(url, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    target = url_check(url)

    assert target.port == 80
