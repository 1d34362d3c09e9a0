# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A topology file read as data: safe YAML, bounded, never templated.

The roles and ``pacific`` read topology files through ``load_topology()``.
A file is whoever wrote it's input (the AWX survey takes it from whoever
launches the job), so it is only ever data: YAML's safe loader (no
``!!python`` tags), at most ``MAX_FILE_BYTES``, and at most
``MAX_EXPANDED_NODES`` nodes once its aliases are expanded (an alias bomb is
a few lines that expand to billions of nodes). A string that looks like a
Jinja2 template is kept as written, never rendered. Problems with the file
itself name the file, line and column.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None

# The largest topology in the benchmarks (4 clusters, 200 namespaces, 40 guest
# clusters) is about 60 KB; a file 16 times that is not a topology.
MAX_FILE_BYTES = 1024 * 1024
# Nodes (mappings, lists, scalars) once aliases are expanded; the same
# benchmark topology has about 6,000.
MAX_EXPANDED_NODES = 200_000


def read_topology_file(path):
    """``(bytes, document)`` of the topology file at ``path``; InvalidArgumentError, naming the file, if it is not one."""
    try:
        with open(path, "rb") as file:
            text = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise InvalidArgumentError(f"{path}: cannot read the topology file ({error.strerror or error})") from error
    return text, load_topology(text, path)


def load_topology(text, source):
    """The document in ``text`` (bytes or str) read from ``source`` (a file name, for messages); InvalidArgumentError if it is not one."""
    if len(text) > MAX_FILE_BYTES:
        raise InvalidArgumentError(f"{source}: larger than {MAX_FILE_BYTES} bytes, the most a topology file may be")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InvalidArgumentError(f"{source}: the file is empty: a topology is a mapping with a 'supervisors' list")
        size = _expanded_size(node, {})
        if size > MAX_EXPANDED_NODES:
            raise InvalidArgumentError(
                f"{source}: its aliases expand to {size} nodes: a topology is at most {MAX_EXPANDED_NODES} (is it an alias bomb?)"
            )
        # Built before its type is checked: a tag the safe loader refuses (!!python) is the first thing to say.
        document = loader.construct_document(node)
        if not isinstance(node, yaml.MappingNode):
            raise InvalidArgumentError(
                f"{source}: {_position(node.start_mark)}: a topology is a mapping with a 'supervisors' list, not a {_node_word(node)}"
            )
        return document
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f": {_position(mark)}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context", None)
        if context:
            # PyYAML's problems either continue their context ("expected a single document" "but found another") or stand alone.
            problem = f"{context} {problem}" if problem.startswith("but ") else f"{problem} ({context})"
        raise InvalidArgumentError(f"{source}{where}: not a YAML topology: {problem}") from None
    finally:
        loader.dispose()


def _position(mark):
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _node_word(node):
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "scalar" if node.value else "empty value"


def _expanded_size(node, sizes):
    """Nodes under ``node`` counting each alias as a copy; ``sizes`` memoises shared nodes, so this is linear in the file."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a recursive alias counts once, as the constructor builds it once
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(key, sizes) + _expanded_size(value, sizes) for key, value in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, sizes) for item in node.value)
    else:
        size = 1
    sizes[id(node)] = size
    return size
