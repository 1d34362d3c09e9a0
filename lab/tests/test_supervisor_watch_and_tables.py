"""What a Supervisor's API server answers besides objects, checked over HTTPS as clients ask for it: watches from a
resourceVersion (a history window, then 410 Expired), bookmarks as the API server sends them, lists at a
resourceVersion (`resourceVersionMatch`), Table output with the CRDs' printer columns, the OpenAPI documents."""

import json

import pytest
import requests
from supervisor_support import ADMIN, PASSWORD, WatchSettings, login, supervisor_under_test

HISTORY = {"seconds": 300.0}  # the Supervisor's watch window, changed by the tests
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@pytest.fixture(scope="module")
def supervisor(lab, tmp_path_factory):
    watch = WatchSettings(history_seconds=lambda: HISTORY["seconds"])
    yield from supervisor_under_test(lab, tmp_path_factory.mktemp("supervisor-watch"), "DC0_C1", watch=watch)


@pytest.fixture(scope="module")
def http(supervisor):
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override the Supervisor's CA
    session.verify = supervisor.ca_cert
    session.headers["Authorization"] = "Bearer " + login(supervisor.url, supervisor.ca_cert, ADMIN, PASSWORD)
    return session


@pytest.fixture
def window():
    yield HISTORY
    HISTORY["seconds"] = 300.0


def config_maps(supervisor):
    return f"{supervisor.url}/api/v1/namespaces/{supervisor.namespace}/configmaps"


def put(http, supervisor, name, value):
    """Create or replace ConfigMap `name` with data {value: value}; its resourceVersion."""
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"value": value}}
    answer = http.put(f"{config_maps(supervisor)}/{name}", json=body, timeout=30)
    if answer.status_code == 404:
        answer = http.post(config_maps(supervisor), json=body, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["metadata"]["resourceVersion"]


def watch(http, supervisor, **query):
    """The events of one watch of the namespace's ConfigMaps, read until the server ends it."""
    answer = http.get(config_maps(supervisor), params={"watch": "true", **query}, stream=True, timeout=60)
    assert answer.status_code == 200, answer.text
    return [json.loads(line) for line in answer.iter_lines() if line]


def test_a_watch_replays_what_its_window_holds_and_answers_expired_before_it(http, supervisor, window):
    since = put(http, supervisor, "watched", "one")
    put(http, supervisor, "watched", "two")
    replayed = watch(http, supervisor, resourceVersion=since, timeoutSeconds=1)
    assert [(event["type"], event["object"]["data"]["value"]) for event in replayed] == [("MODIFIED", "two")]

    window["seconds"] = 0.0  # every change is compacted at once, as etcd compaction would after its interval
    put(http, supervisor, "watched", "three")
    (expired,) = watch(http, supervisor, resourceVersion=since, timeoutSeconds=1)
    assert expired["type"] == "ERROR"
    assert (expired["object"]["code"], expired["object"]["reason"]) == (410, "Expired")


def test_bookmarks_come_when_asked_for_once_a_minute_and_before_the_watch_ends(http, supervisor):
    put(http, supervisor, "bookmarked", "one")
    events = watch(http, supervisor, allowWatchBookmarks="true", timeoutSeconds=3, resourceVersion="0")
    kinds = [event["type"] for event in events]
    # The objects first, then in 3 s no minute has passed: one bookmark only, 2 s before the end (not one a second).
    assert kinds.count("BOOKMARK") == 1 and kinds[-1] == "BOOKMARK"
    assert "BOOKMARK" not in [event["type"] for event in watch(http, supervisor, timeoutSeconds=3, resourceVersion="0")]


def test_a_list_at_a_resource_version_is_exact_or_not_older_as_asked(http, supervisor, window):
    first = put(http, supervisor, "listed", "one")
    put(http, supervisor, "listed", "two")

    def listed(**query):
        return http.get(config_maps(supervisor), params=query, timeout=30)

    def value(answer):
        assert answer.status_code == 200, answer.text
        return next(item["data"]["value"] for item in answer.json()["items"] if item["metadata"]["name"] == "listed")

    exact = listed(resourceVersion=first, resourceVersionMatch="Exact")
    assert value(exact) == "one" and exact.json()["metadata"]["resourceVersion"] == first
    assert value(listed(resourceVersion=first, resourceVersionMatch="NotOlderThan")) == "two"
    assert value(listed(resourceVersion=first)) == "two"
    future = listed(resourceVersion=str(int(first) + 10**6), resourceVersionMatch="NotOlderThan")
    assert (future.status_code, future.json()["reason"]) == (504, "Timeout")
    for query, message in (({"resourceVersionMatch": "Exact"}, "forbidden unless resourceVersion is provided"),
                           ({"resourceVersion": "0", "resourceVersionMatch": "Exact"}, 'forbidden for resourceVersion "0"'),
                           ({"resourceVersion": first, "resourceVersionMatch": "Newest"}, "Unsupported value")):
        refused = listed(**query)
        assert refused.status_code == 400 and message in refused.json()["message"], refused.text

    window["seconds"] = 0.0
    put(http, supervisor, "listed", "three")
    compacted = listed(resourceVersion=first, resourceVersionMatch="Exact")
    assert (compacted.status_code, compacted.json()["reason"]) == (410, "Expired")


def test_tables_have_the_printer_columns_of_the_kind(http, supervisor):
    put(http, supervisor, "tabled", "one")
    table = http.get(config_maps(supervisor), headers={"Accept": TABLE}, timeout=30).json()
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [column["name"] for column in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    row = next(row for row in table["rows"] if row["cells"][0] == "tabled")
    assert row["cells"][1] == 1 and row["object"]["kind"] == "PartialObjectMetadata"

    tkcs = http.get(f"{supervisor.url}/apis/run.tanzu.vmware.com/v1alpha3/namespaces/{supervisor.namespace}/tanzukubernetesclusters",
                    headers={"Accept": TABLE}, params={"includeObject": "None"}, timeout=30).json()
    assert [column["name"] for column in tkcs["columnDefinitions"]] == [
        "Name", "Control Plane", "Worker", "TKR Name", "Age", "Ready", "TKR Compatible", "Updates Available"]
    plain = http.get(config_maps(supervisor), timeout=30).json()
    assert plain["kind"] == "ConfigMapList"  # without the Accept header: the list itself


def test_the_openapi_documents_describe_every_served_kind(http, supervisor):
    index = http.get(f"{supervisor.url}/openapi/v3", timeout=30).json()["paths"]
    assert {"api/v1", "apis/run.tanzu.vmware.com/v1alpha3", "apis/vmoperator.vmware.com/v1alpha1"} <= set(index)
    document = http.get(supervisor.url + index["apis/run.tanzu.vmware.com/v1alpha3"]["serverRelativeURL"], timeout=30).json()
    schema = document["components"]["schemas"]["com.vmware.tanzu.run.v1alpha3.TanzuKubernetesCluster"]
    assert schema["x-kubernetes-group-version-kind"] == [{"group": "run.tanzu.vmware.com", "version": "v1alpha3", "kind": "TanzuKubernetesCluster"}]
    item = document["paths"]["/apis/run.tanzu.vmware.com/v1alpha3/namespaces/{namespace}/tanzukubernetesclusters/{name}"]
    assert "fieldValidation" in [parameter["name"] for parameter in item["patch"]["parameters"]]
    assert "application/strategic-merge-patch+json" not in item["patch"]["requestBody"]["content"]  # a CRD: no SMP
    v2 = http.get(f"{supervisor.url}/openapi/v2", headers={"Accept": "application/json"}, timeout=60).json()
    assert "io.k8s.api.core.v1.Secret" in v2["definitions"]
    assert http.get(f"{supervisor.url}/openapi/v3/apis/no.such.group/v1", timeout=30).status_code == 404
    assert requests.get(f"{supervisor.url}/openapi/v3", verify=supervisor.ca_cert, timeout=30).status_code == 401  # needs a login
