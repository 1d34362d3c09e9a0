"""A topology file is data: safe YAML, bounded in size and alias expansion, its problems named with file, line and column."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.topology_document import MAX_FILE_BYTES, load_topology, read_topology_file


def refusal(text):
    with pytest.raises(InvalidArgumentError) as refused:
        load_topology(text, "site.yml")
    return str(refused.value)


def test_a_template_is_kept_as_written():
    document = load_topology(b"supervisors:\n  - cluster: C1\n    description: \"{{ lookup('pipe', 'id') }}\"\n", "site.yml")
    assert document["supervisors"][0]["description"] == "{{ lookup('pipe', 'id') }}"


def test_anchors_used_a_few_times_are_fine():
    text = "pool: &pool {vm_class: small}\nsupervisors:\n  - a: *pool\n  - b: *pool\n"
    assert load_topology(text, "site.yml")["supervisors"] == [{"a": {"vm_class": "small"}}, {"b": {"vm_class": "small"}}]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "site.yml: the file is empty: a topology is a mapping with a 'supervisors' list"),
        ("# only a comment\n", "site.yml: the file is empty"),
        ("- 1\n- 2\n", "site.yml: line 1, column 1: a topology is a mapping with a 'supervisors' list, not a list"),
        ("just words\n", "site.yml: line 1, column 1: a topology is a mapping with a 'supervisors' list, not a scalar"),
        ("a: [1,\n  b: 2\n", "site.yml: line 3, column 1: not a YAML topology: expected ',' or ']'"),
        ("a: !!python/object/apply:os.system ['id']\n", "site.yml: line 1, column 4: not a YAML topology: could not determine a constructor for the tag"),
        ("a:\n\tb: 1\n", "site.yml: line 2, column 1: not a YAML topology: found character '\\t'"),
        ("a: *missing\n", "site.yml: line 1, column 4: not a YAML topology: found undefined alias 'missing'"),
        ("---\na: 1\n---\nb: 2\n", "site.yml: line 3, column 1: not a YAML topology: expected a single document in the stream but found another document"),
    ],
)
def test_problems_of_the_file_name_it_and_where(text, message):
    assert refusal(text).startswith(message)


def test_an_alias_bomb_is_refused_at_once():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    assert "its aliases expand to 12345679021 nodes: a topology is at most 200000" in refusal("\n".join(lines))


def test_a_file_too_large_is_refused_unread(tmp_path):
    path = tmp_path / "big.yml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 10))
    with pytest.raises(InvalidArgumentError, match=rf"big.yml: larger than {MAX_FILE_BYTES} bytes"):
        read_topology_file(str(path))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InvalidArgumentError, match=r"nowhere.yml: cannot read the topology file \(No such file or directory\)"):
        read_topology_file(str(tmp_path / "nowhere.yml"))
