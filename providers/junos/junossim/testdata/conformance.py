"""Drive junossim with Juniper's real clients (PyEZ and ncclient).

Run by conformance_test.go: python3 conformance.py HOST PORT USER KEYFILE MODE [PERSONALITY]
MODE is "pyez" or "ncclient" (a configuration session), or "pyez-facts" or "ncclient-ops"
(facts, operational RPCs and configuration reads on a device the Go test has seeded).
PERSONALITY is "srx" (the default) or "ex". Prints one "ok <step>" line per passed step and
exits non-zero with a traceback on the first failure.
"""
import sys

HOST, PORT, USER, KEY, MODE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
PERSONALITY = sys.argv[6] if len(sys.argv) > 6 else "srx"

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


# What the Go test seeds before the read-only modes run (conformance_test.go: seedPolicies).
POLICY_LINES = [
    "set from-zone untrust to-zone trust policy allow-web match source-address any",
    "set from-zone untrust to-zone trust policy allow-web match destination-address web",
    "set from-zone untrust to-zone trust policy allow-web match application junos-https",
    "set from-zone untrust to-zone trust policy allow-web then permit",
    "set from-zone trust to-zone untrust policy out match source-address any",
    "set from-zone trust to-zone untrust policy out match destination-address any",
    "set from-zone trust to-zone untrust policy out match application any",
    "set from-zone trust to-zone untrust policy out then permit",
]


def pyez_facts():
    import warnings
    from jnpr.junos import Device

    dev = Device(host=HOST, port=PORT, user=USER, ssh_private_key_file=KEY, gather_facts=True)
    dev.open()
    step("open with gather_facts")
    # Every fact module's RPCs must be answered as a device answers them: with
    # exception_on_failure, the first one that fails raises.
    dev.facts_refresh(exception_on_failure=True)
    f = dev.facts
    expect(f["HOME"] == "/var/home/" + USER, "HOME %r" % f["HOME"])
    expect(f["version"] == "21.4R3-S5.4", "version %r" % f["version"])
    expect(f["version_info"].major == (21, 4) and f["version_info"].type == "R", "version_info %r" % f["version_info"])
    expect(f["domain"] is None and f["fqdn"] == f["hostname"], "domain %r fqdn %r" % (f["domain"], f["fqdn"]))
    expect(f["vc_capable"] is False, "vc_capable %r" % f["vc_capable"])
    if PERSONALITY == "srx":
        expect(f["hostname"] == "fw1", "hostname %r" % f["hostname"])
        expect(f["model"] == "SRX345", "model %r" % f["model"])
        expect(f["serialnumber"] == "JNSIMSRX0001", "serialnumber %r" % f["serialnumber"])
        expect(f["personality"] == "SRX_BRANCH" and f["virtual"] is False, "personality %r" % f["personality"])
        expect(f["ifd_style"] == "CLASSIC", "ifd_style %r" % f["ifd_style"])
        expect(f["srx_cluster"] is True and f["srx_cluster_id"] == "1", "cluster %r %r" % (f["srx_cluster"], f["srx_cluster_id"]))
        rg = f["srx_cluster_redundancy_group"]
        expect(rg["1"]["node0"]["priority"] == "200" and rg["1"]["node0"]["status"] == "primary" and
               rg["1"]["node1"]["status"] == "secondary" and rg["1"]["node0"]["preempt"] == "yes", "redundancy groups %r" % rg)
        expect(f["current_re"] == ["node0", "primary"], "current_re %r" % f["current_re"])
        expect(f["model_info"] == {"node0": "SRX345", "node1": "SRX345"}, "model_info %r" % f["model_info"])
        expect(f["hostname_info"] == {"node0": "fw1", "node1": "fw1"}, "hostname_info %r" % f["hostname_info"])
        expect(f["version_RE0"] == "21.4R3-S5.4" and f["version_RE1"] == "21.4R3-S5.4", "RE versions")
        expect(f["RE_hw_mi"] is True and f["2RE"] is True, "RE_hw_mi %r 2RE %r" % (f["RE_hw_mi"], f["2RE"]))
        expect(f["RE0"]["model"] == "RE-SRX345" and f["RE0"]["status"] == "OK" and f["RE0"]["mastership_state"] == "master", "RE0 %r" % f["RE0"])
        expect(f["RE0"]["up_time"] == "1 day, 2 hours, 3 minutes, 4 seconds", "up_time %r" % f["RE0"]["up_time"])
        expect(sorted(f["re_info"]) == ["default", "node0", "node1"], "re_info %r" % f["re_info"])
        expect(f["re_master"]["node0"] == "0" and f["master"] == ["RE0", "RE0"], "master %r %r" % (f["re_master"], f["master"]))
    else:
        expect(f["hostname"] == "sw1", "hostname %r" % f["hostname"])
        expect(f["model"] == "EX4300-48T", "model %r" % f["model"])
        expect(f["serialnumber"] == "JNSIMEX00001", "serialnumber %r" % f["serialnumber"])
        expect(f["personality"] == "SWITCH" and f["ifd_style"] == "SWITCH", "personality %r" % f["personality"])
        # An EX has no chassis cluster RPC: PyEZ leaves the fact unset.
        expect(f["srx_cluster"] is None, "srx_cluster %r" % f["srx_cluster"])
        expect(f["current_re"] == ["master", "node", "fwdd", "member", "pfem", "re0"], "current_re %r" % f["current_re"])
        expect(f["RE_hw_mi"] is False and f["2RE"] is False and f["master"] == "RE0", "RE %r %r" % (f["2RE"], f["master"]))
        expect(f["RE0"]["model"] == "EX4300-48T" and f["re_info"]["default"]["0"]["mastership_state"] == "master", "RE0 %r" % f["RE0"])
        expect(f["version_RE0"] == "21.4R3-S5.4" and f["version_RE1"] is None, "RE versions")
    step("facts")

    si = dev.rpc.get_system_information()
    expect(si.tag == "system-information" and si.findtext("hardware-model") == f["model"].lower() and
           si.findtext("host-name") == f["hostname"] and si.findtext("serial-number") == f["serialnumber"], "system information")
    expect((si.find("cluster-node") is not None) == (PERSONALITY == "srx"), "cluster-node")
    step("get-system-information")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cli() warns that it is for debugging
        version = dev.cli("show version", format="text")
        expect("Model: " + f["model"].lower() in version and "Junos: 21.4R3-S5.4" in version, version)
        if PERSONALITY == "ex":
            dev.close()
            step("close")
            return
        out = dev.cli("show configuration security policies | display set relative", format="text")
        lines = [l for l in out.splitlines() if l.strip()]
        expect(lines == POLICY_LINES, "display set relative: %r" % out)
        out = dev.cli("show configuration security policies from-zone untrust to-zone trust | display set relative", format="text")
        expect(out.split() == "set policy allow-web match source-address any set policy allow-web match destination-address web "
               "set policy allow-web match application junos-https set policy allow-web then permit".split(), out)
        expect(dev.cli("show configuration security nat | display set", format="text") == "", "unconfigured path")
    step("cli show configuration | display set relative")

    rsp = dev.rpc.cli("show configuration security policies | display set relative", format="text")
    expect(rsp.tag == "configuration-information" and [l for l in rsp.findtext("configuration-output").splitlines() if l][0] == POLICY_LINES[0],
           "rpc.cli text")
    rsp = dev.rpc.cli("show configuration security policies", format="xml")
    expect(rsp.tag == "configuration" and [p.text for p in rsp.findall(".//policy/policy/name")] == ["allow-web", "out"], "rpc.cli xml")
    expect(rsp.find("system") is None, "xml answer beyond the path")
    step("rpc.cli show configuration")

    setcfg = dev.rpc.get_config(options={"format": "set"})
    expect(setcfg.tag == "configuration-set", setcfg.tag)
    expect("set security policies from-zone untrust to-zone trust policy allow-web then permit" in setcfg.text.splitlines(), setcfg.text)
    expect("set system host-name fw1" in setcfg.text.splitlines(), setcfg.text)
    setcfg = dev.rpc.get_config(filter_xml="<security><policies/></security>", options={"format": "set", "database": "committed"})
    expect([l for l in setcfg.text.splitlines() if l] == ["set security policies " + l[4:] for l in POLICY_LINES], setcfg.text)
    text = dev.rpc.get_config(options={"format": "text"})
    expect(text.tag == "configuration-text" and "policy allow-web {" in text.text, text.text)
    js = dev.rpc.get_config(filter_xml="<security><policies/></security>", options={"format": "json"})
    pol = js["configuration"]["security"]["policies"]["policy"]
    expect(pol[0]["from-zone-name"] == "untrust" and pol[0]["policy"][0]["name"] == "allow-web" and
           pol[0]["policy"][0]["then"]["permit"] == [None], "json %r" % js)
    step("get_config set, text and json")

    dev.close()
    step("close")


def ncc_ops():
    from ncclient import manager
    from ncclient.xml_ import new_ele

    m = manager.connect(host=HOST, port=PORT, username=USER, key_filename=KEY, hostkey_verify=False,
                        allow_agent=False, look_for_keys=False, device_params={"name": "junos"}, timeout=20)
    step("connect")
    r = m.rpc(new_ele("get-system-information"))
    expect(r.xpath("//system-information/host-name")[0].text == "fw1", str(r))
    r = m.command("show version", format="xml")
    expect([n.text for n in r.xpath("//multi-routing-engine-item/re-name")] == ["node0", "node1"], str(r))
    r = m.command("show version", format="text")
    expect("node1:" in r.xpath("//output")[0].text, str(r))
    step("operational")
    r = m.command("show configuration security policies | display set relative", format="text")
    out = r.xpath("//configuration-information/configuration-output")[0].text
    expect([l for l in out.splitlines() if l] == POLICY_LINES, out)
    r = m.command("show configuration security nat | display set relative", format="text")
    expect(len(r.xpath("//configuration-output")) == 0 and len(r.xpath("/*/*")) == 0, str(r))
    r = m.command("show configuration security policies", format="xml")
    expect(len(r.xpath("//configuration/security/policies/policy")) == 2, str(r))
    r = m.get_configuration(format="set")
    expect("set security policies from-zone trust to-zone untrust policy out then permit" in r.xpath("//configuration-set")[0].text, str(r))
    step("configuration reads")
    m.close_session()
    step("close")


if MODE == "pyez":
    pyez()
elif MODE == "ncclient":
    ncc()
elif MODE == "pyez-facts":
    pyez_facts()
elif MODE == "ncclient-ops":
    ncc_ops()
else:
    raise SystemExit("unknown mode " + MODE)
