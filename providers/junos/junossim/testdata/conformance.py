"""Drive junossim with Juniper's real clients (PyEZ and ncclient).

Run by conformance_test.go: python3 conformance.py HOST PORT USER KEYFILE MODE
MODE is "pyez" or "ncclient". Prints one "ok <step>" line per passed step and exits
non-zero with a traceback on the first failure.
"""
import sys

HOST, PORT, USER, KEY, MODE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

BASE = """
set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24
set interfaces ge-0/0/2 unit 0 family inet address 10.2.0.1/24
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone trust address-book address web 10.1.0.10/32
set security zones security-zone untrust interfaces ge-0/0/2.0
set security policies from-zone untrust to-zone trust policy allow-web match source-address any
set security policies from-zone untrust to-zone trust policy allow-web match destination-address web
set security policies from-zone untrust to-zone trust policy allow-web match application junos-https
set security policies from-zone untrust to-zone trust policy allow-web then permit
"""


def step(name):
    print("ok " + name, flush=True)


def advance(minutes):
    """Ask the Go test to move the simulator's clock forward, and wait until it has."""
    print("advance %d" % minutes, flush=True)
    line = sys.stdin.readline().strip()
    expect(line == "advanced", "clock not advanced: %r" % line)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def pyez():
    from jnpr.junos import Device
    from jnpr.junos.utils.config import Config
    from jnpr.junos.exception import CommitError, LockError, RpcError

    dev = Device(host=HOST, port=PORT, user=USER, ssh_private_key_file=KEY, gather_facts=False)
    dev.open()
    step("open")

    cu = Config(dev)
    cu.lock()
    step("lock")

    # A second session cannot take the lock and is told who holds it.
    other = Device(host=HOST, port=PORT, user=USER, ssh_private_key_file=KEY, gather_facts=False)
    other.open()
    try:
        Config(other).lock()
        raise AssertionError("second lock succeeded")
    except LockError as e:
        expect("configuration database locked by" in str(e.rpc_error), "lock error: %r" % (e.rpc_error,))
    other.close()
    step("lock held elsewhere")

    cu.load(BASE, format="set")
    step("load set")

    expect(cu.commit_check() is True, "commit check")
    step("commit check")

    diff = cu.diff()
    expect(diff is not None and "+" in diff and "allow-web" in diff, "diff: %r" % diff)
    step("diff")

    expect(cu.commit(comment="pyez confirmed", confirm=2) is True, "commit confirmed")
    expect(cu.commit(comment="pyez confirm") is True, "confirming commit")
    step("commit confirmed and confirm")

    # A confirmed commit that is never confirmed rolls back when its timeout passes.
    cu.load("set security zones security-zone doomed", format="set")
    cu.commit(confirm=1)
    cfg = dev.rpc.get_config(filter_xml="<security><zones/></security>", options={"database": "committed"})
    expect("doomed" in [z.text for z in cfg.findall(".//security-zone/name")], "confirmed commit not applied")
    advance(1)
    cfg = dev.rpc.get_config(filter_xml="<security><zones/></security>", options={"database": "committed"})
    expect("doomed" not in [z.text for z in cfg.findall(".//security-zone/name")], "not rolled back")
    expect(cu.diff() is None, "candidate differs after the automatic rollback: %r" % cu.diff())
    step("unconfirmed commit rolls back")

    cfg = dev.rpc.get_config(filter_xml="<security><zones/></security>", options={"database": "committed"})
    zones = sorted(z.text for z in cfg.findall(".//security-zone/name"))
    expect(zones == ["trust", "untrust"], "zones %r" % zones)
    expect(cfg.find("system") is None, "filter returned system")
    step("get-config filtered")

    text = dev.rpc.get_config(options={"database": "committed", "format": "text"})
    expect("allow-web" in text.text, "text config: %r" % text.text)
    setcfg = dev.rpc.get_config(options={"database": "committed", "format": "set"})
    expect("set security zones security-zone trust interfaces ge-0/0/1.0" in setcfg.text, setcfg.text)
    step("get-config text and set")

    # A policy naming an undefined address fails the check with Junos's error shape.
    cu.load("set security policies from-zone untrust to-zone trust policy bad match source-address nowhere "
            "destination-address web application junos-https", format="set")
    try:
        cu.commit_check()
        raise AssertionError("bad commit check passed")
    except CommitError as e:
        msg = str(e)
        expect("nowhere" in msg, "commit error: %s" % msg)
    step("commit check error")

    cu.rollback(0)
    expect(cu.diff() is None, "diff after rollback 0: %r" % cu.diff())
    step("rollback 0")

    # XML load with replace and an ordered insert.
    from lxml import etree
    cu.load(etree.XML("""<configuration><security><policies><policy>
        <from-zone-name>untrust</from-zone-name><to-zone-name>trust</to-zone-name>
        <policy><name>first</name><match><source-address>any</source-address>
        <destination-address>any</destination-address><application>junos-ssh</application></match>
        <then><deny/></then></policy></policy></policies></security></configuration>"""))
    cu.load(etree.XML("""<configuration><security><policies><policy>
        <from-zone-name>untrust</from-zone-name><to-zone-name>trust</to-zone-name>
        <policy insert="before" name="allow-web"><name>first</name></policy>
        </policy></policies></security></configuration>"""))
    cu.commit(comment="xml insert")
    cfg = dev.rpc.get_config(filter_xml="<security><policies/></security>", options={"database": "committed"})
    names = [p.text for p in cfg.findall(".//policy/policy/name")]
    expect(names == ["first", "allow-web"], "policy order %r" % names)
    step("xml load insert before")

    cu.load("""security { zones { security-zone dmz { interfaces { ge-0/0/1.0; } } } }""", format="text")
    try:
        cu.commit()
        raise AssertionError("interface in two zones committed")
    except CommitError as e:
        expect("ge-0/0/1.0" in str(e), str(e))
    cu.rollback(0)
    step("text load and two-zone error")

    cu.rollback(1)
    cu.commit(comment="back to one")
    cfg = dev.rpc.get_config(filter_xml="<security><policies/></security>", options={"database": "committed"})
    names = [p.text for p in cfg.findall(".//policy/policy/name")]
    expect(names == ["allow-web"], "after rollback 1: %r" % names)
    step("rollback 1 and commit")

    info = dev.rpc.get_commit_information()
    entries = info.findall("commit-history")
    expect(len(entries) >= 6, "history %d" % len(entries))
    expect(any(e.findtext("client") == "other" for e in entries), "no automatic rollback in the history")
    expect(entries[0].findtext("sequence-number") == "0", "sequence")
    expect(entries[0].findtext("log") == "back to one", "log %r" % entries[0].findtext("log"))
    expect(entries[0].findtext("user") == USER, "user %r" % entries[0].findtext("user"))
    step("commit history")

    cu.unlock()
    step("unlock")

    try:
        dev.rpc.get_no_such_information()
        raise AssertionError("unknown RPC answered")
    except RpcError as e:
        expect("syntax error" in str(e), str(e))
    step("unknown rpc")

    dev.close()
    step("close")


def ncc():
    from ncclient import manager
    from ncclient.operations import RPCError

    m = manager.connect(host=HOST, port=PORT, username=USER, key_filename=KEY, hostkey_verify=False,
                        allow_agent=False, look_for_keys=False, device_params={"name": "junos"}, timeout=20)
    step("connect")
    m.lock(target="candidate")
    step("lock")
    m.load_configuration(action="set", config=[l for l in BASE.splitlines() if l.strip()])
    step("load set")
    m.commit(check=True)
    step("commit check")
    diff = m.compare_configuration()
    expect("allow-web" in diff.xpath("//configuration-output")[0].text, str(diff))
    step("compare")
    m.commit(confirmed=True, timeout="120", comment="ncclient confirmed")
    m.commit()
    step("commit confirmed and confirm")
    cfg = m.get_config(source="running")
    expect("allow-web" in str(cfg), str(cfg))
    cfg = m.get_configuration(format="text")
    expect("allow-web" in str(cfg), str(cfg))
    step("get-config")
    m.edit_config(target="candidate", config="""<config><configuration><security><zones>
        <security-zone><name>untrust</name><interfaces operation="delete"><name>ge-0/0/2.0</name></interfaces>
        </security-zone></zones></security></configuration></config>""")
    m.discard_changes()
    m.rollback(rollback=2)  # 0: the confirming commit, 1: the confirmed one
    m.commit()
    cfg = m.get_config(source="running")
    expect("allow-web" not in str(cfg), str(cfg))
    step("edit-config, discard, rollback")
    try:
        m.load_configuration(action="set", config=["set security zones security-zone x interfaces ge-0/0/9.0"])
        m.commit()
        raise AssertionError("zone with unconfigured interface committed")
    except RPCError as e:
        expect("ge-0/0/9.0" in str(e), str(e))
    m.discard_changes()
    step("commit error")
    m.unlock(target="candidate")
    m.close_session()
    step("close")


if MODE == "pyez":
    pyez()
elif MODE == "ncclient":
    ncc()
else:
    raise SystemExit("unknown mode " + MODE)
