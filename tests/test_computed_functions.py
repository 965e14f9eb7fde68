"""Functions computed in Python per distinct value (kqlite.computed): parse_xml, gzip/zlib, Punycode. Values from
the documentation's examples; columns of data go through the engine's lookup of the computed answers, so each
is checked on a column as well as on a constant, on both engines."""

from __future__ import annotations

import base64
import gzip
import zlib

import pytest

import kqlite
from kqlite import computed


def test_the_documented_compressed_strings(con):
    query = ('print g = gzip_compress_to_base64_string("1234567890qwertyuiop"),'
             ' z = zlib_compress_to_base64_string("1234567890qwertyuiop")')
    assert con.query(query).rows() == [("H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA==",
                                        "eAEBFADr/zEyMzQ1Njc4OTBxd2VydHl1aW9wOAkGdw==")]


def test_decompression_reads_what_any_compressor_wrote(con):
    text = "powershell -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString('x') " * 3
    packed_gzip = base64.b64encode(gzip.compress(text.encode(), 9)).decode()
    packed_zlib = base64.b64encode(zlib.compress(text.encode(), 9)).decode()
    query = (f"datatable(Blob:string, Kind:string)['{packed_gzip}', 'gzip', '{packed_zlib}', 'zlib', 'not base64!', "
             "'gzip', 'aGVsbG8=', 'zlib', '', 'gzip']"
             " | extend FromGzip = gzip_decompress_from_base64_string(Blob),"
             " FromZlib = zlib_decompress_from_base64_string(Blob) | project Kind, FromGzip, FromZlib")
    assert sorted(con.query(query).rows()) == sorted([
        ("gzip", text, ""), ("zlib", "", text), ("gzip", "", ""), ("zlib", "", ""), ("gzip", "", "")])


def test_compressed_strings_come_back(con, backend):
    steps = ("datatable(s:string)['a', 'ü and ✓', 'x']"
             " | extend g = gzip_compress_to_base64_string(s), z = zlib_compress_to_base64_string(s)"
             " | extend back = gzip_decompress_from_base64_string(g), zback = zlib_decompress_from_base64_string(z)")
    assert sorted(con.query(steps + " | project s, back, zback").rows()) == [
        ("a", "a", "a"), ("x", "x", "x"), ("ü and ✓", "ü and ✓", "ü and ✓")]
    nested = "print s = 'abc' | extend back = gzip_decompress_from_base64_string(gzip_compress_to_base64_string(s))"
    if backend == "spark":  # no subquery in a subquery reading the outer row there: refused by name
        with pytest.raises(kqlite.KqlUnsupportedError, match="another such function computed"):
            con.query(nested)
    else:
        assert con.query(nested).rows() == [("abc", "abc")]


def test_punycode_documented_examples(con):
    assert con.query("print e = punycode_from_string('académie-française'),"
                     " d = punycode_to_string('acadmie-franaise-npb1a')").rows() == [
        ("acadmie-franaise-npb1a", "académie-française")]
    encode = ("datatable(domain:string)['Lê Lợi。Thuận Thiên。com', 'Riðill。Skáldskaparmál。org',"
              " \"Kaledvoulc'h.Artorījos.edu\"] | extend str = punycode_domain_to_string(domain) | project str")
    assert sorted(con.query(encode).rows()) == sorted([
        ("xn--L Li-gpa4517b.xn--Thun Thin-s4a7194f.com",), ("xn--Riill-jta.xn--Skldskaparml-dbbj.org",),
        ("Kaledvoulc'h.xn--Artorjos-ejb.edu",)])
    decode = ('datatable(encoded:string)["xn--Ge-mia.Bulg.edu", "xn--Lin-8na.Celtchair.org",'
              ' "xn--Ry-lja8c.xn--Jng-uta63a.xn--Bng-9ka.com"] | project domain = punycode_domain_from_string(encoded)')
    assert sorted(con.query(decode).rows()) == sorted([
        ("Gáe.Bulg.edu",), ("Lúin.Celtchair.org",), ("Rúyì.Jīngū.Bàng.com",)])
    domain = ("print domain = '艺术.com' | extend domain_vec = split(domain, '.')"
              " | extend encoded_host = punycode_from_string(tostring(domain_vec[0]))"
              " | extend encoded_domain = strcat('xn--', encoded_host, '.', domain_vec[1])"
              " | project encoded_host, encoded_domain")
    assert con.query(domain).rows() == [("cqv902d", "xn--cqv902d.com")]


@pytest.mark.parametrize(("xml", "expected"), [
    ("<e/>", {"e": None}),
    ("<e>text</e>", {"e": "text"}),
    ('<e name="value" />', {"e": {"@name": "value"}}),
    ('<e name="value">text</e>', {"e": {"@name": "value", "#text": "text"}}),
    ("<e> <a>text</a> <b>text</b> </e>", {"e": {"a": "text", "b": "text"}}),
    ("<e> <a>text</a> <a>text</a> </e>", {"e": {"a": ["text", "text"]}}),
    ("<e>text<a>text</a></e>", {"e": {"#text": "text", "a": "text"}}),
])
def test_parse_xml_follows_the_documented_conversion(con, xml, expected):
    assert con.query(f"print x = parse_xml('{xml}')").rows() == [(expected,)]


def test_parse_xml_of_windows_event_data_in_a_column(con):
    event = ('<DataItem type="System.XmlData"><EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">'
             '<Data Name="SubjectUserName">alice</Data><Data Name="LogonType">3</Data></EventData></DataItem>')
    query = (f"datatable(EventData:string)[@'{event}', @'{event}', 'oops <', '']"
             " | extend X = parse_xml(EventData)"
             " | extend Data = X.DataItem.EventData.Data"
             " | project Logon = tostring(Data[1]['#text']), Name = tostring(Data[0]['@Name']),"
             " Namespace = tostring(X.DataItem.EventData['@xmlns'])")
    assert sorted(con.query(query).rows()) == sorted([
        ("3", "SubjectUserName", "http://schemas.microsoft.com/win/2004/08/events/event"),
        ("3", "SubjectUserName", "http://schemas.microsoft.com/win/2004/08/events/event"),
        ("", "", ""), ("", "", "")])


def test_parse_xml_keeps_only_elements_attributes_and_text():
    assert computed.xml_to_json('<?xml version="1.0"?><!-- c --><r a="1"><?pi x?><![CDATA[<b>]]></r>') == \
        '{"r":{"@a":"1","#text":"<b>"}}'
    assert computed.xml_to_json("<r><a>1</a>") is None  # not well-formed
    assert computed.xml_to_json("<r/><s/>") is None  # two roots
    assert computed.xml_to_json("<r>" + "x" * computed.MAX_XML_BYTES + "</r>") is None  # over 1 MB
    assert computed.xml_to_json("<x:r xmlns:x='u'><x:a>1</x:a></x:r>") == '{"x:r":{"@xmlns:x":"u","x:a":"1"}}'


def test_only_strings_are_taken(con):
    with pytest.raises(kqlite.KqlSemanticError, match="takes a string"):
        con.query("print parse_xml(1)")


def test_parse_user_agent_documented_examples(con):
    browser = ('print useragent = "Mozilla/5.0 (Windows; U; en-US) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.5.1"'
               ' | project x = parse_user_agent(useragent, "browser")')
    assert con.query(browser).rows() == [
        ({"Browser": {"Family": "AdobeAIR", "MajorVersion": "2", "MinorVersion": "5", "Patch": "1"}},)]
    nokia = ("Mozilla/5.0 (SymbianOS/9.2; U; Series60/3.1 NokiaN81-3/10.0.032 Profile/MIDP-2.0 Configuration/CLDC-1.1 )"
             " AppleWebKit/413 (KHTML, like Gecko) Safari/4")
    everything = (f'datatable(useragent:string)["{nokia}", "{nokia}", ""]'
                  ' | project x = parse_user_agent(useragent, dynamic(["browser", "os", "device"]))')
    parsed = {"Browser": {"Family": "Nokia OSS Browser", "MajorVersion": "3", "MinorVersion": "1", "Patch": ""},
              "OperatingSystem": {"Family": "Symbian OS", "MajorVersion": "9", "MinorVersion": "2", "Patch": "",
                                  "PatchMinor": ""},
              "Device": {"Family": "Nokia N81", "Brand": "Nokia", "Model": "N81-3"}}
    assert sorted(con.query(everything).rows(), key=repr) == sorted([(parsed,), (parsed,), (None,)], key=repr)
    with pytest.raises(kqlite.KqlSemanticError, match="'browser', 'os', 'device'"):
        con.query("print parse_user_agent('x', 'engine')")


def test_buildschema_documented_example(con):
    query = """datatable(value: dynamic) [
        dynamic({"x":1, "y":3.5}),
        dynamic({"x":"somevalue", "z":[1, 2, 3]}),
        dynamic({"y":{"w":"zzz"}, "t":["aa", "bb"], "z":["foo"]})
    ] | summarize buildschema(value)"""
    result = con.query(query)
    assert result.columns == ["schema_value"]
    (schema,) = result.rows()[0]
    assert schema == {"x": ["long", "string"], "y": ["double", {"w": "string"}], "z": {"indexer": ["long", "string"]},
                      "t": {"indexer": "string"}}


@pytest.mark.spark_differs("Spark's dynamic values keep their keys sorted (docs/spark.md)")
def test_buildschema_lists_properties_in_the_order_first_seen(con):
    query = ('datatable(value: dynamic)[dynamic({"x": 1, "y": 3.5}), dynamic({"y": {"w": "zzz"}, "t": ["aa"]})]'
             ' | summarize buildschema(value)')
    assert list(con.query(query).rows()[0][0]) == ["x", "y", "t"]


def test_buildschema_by_group(con):
    query = ('datatable(k:string, v:dynamic)["a", dynamic(1), "a", dynamic(true), "b", dynamic([{"q": 1}, {"r": 2.5}]),'
             ' "c", dynamic(null), "b", dynamic([])] | summarize s = buildschema(v) by k')
    assert sorted(con.query(query).rows(), key=repr) == sorted([
        ("a", ["long", "bool"]), ("b", {"indexer": {"q": "long", "r": "double"}}), ("c", None)], key=repr)


def test_treepath_documented_examples(con):
    query = ("print a = treepath(parse_json('{\"a\":\"b\", \"c\":123}')),"
             " b = treepath(parse_json('{\"prop1\":[1,2,3,4], \"prop2\":\"value2\"}')),"
             " c = treepath(parse_json('{\"listProperty\":[100,200,300,\"abcde\",{\"x\":\"y\"}]}'))")
    assert con.query(query).rows() == [(["['a']", "['c']"], ["['prop1']", "['prop1'][0]", "['prop2']"],
                                        ["['listProperty']", "['listProperty'][0]", "['listProperty'][0]['x']"])]


def test_treepath_of_a_column(con):
    query = ('datatable(i:long, d:dynamic)[1, dynamic({"a":{"b":1}}), 2, dynamic([{"z":1}]), 3, dynamic(5)]'
             ' | project i, p = treepath(d) | order by i asc')
    assert con.query(query).rows() == [(1, ["['a']", "['a']['b']"]), (2, ["[0]", "[0]['z']"]), (3, [])]


def test_replace_strings_documented_examples(con):
    magic = 'print Message = "A magic trick can turn a cat into a dog"'
    assert con.query(magic + " | project replace_strings(Message, dynamic(['cat', 'dog']), dynamic(['dog', 'pigeon'])),"
                     " replace_strings(Message, dynamic(['turn', ' into a dog']), dynamic(['disappear', '']))").rows() \
        == [("A magic trick can turn a dog into a pigeon", "A magic trick can disappear a cat")]
    order = ('print Message = "This is an example of using replace_strings()"'
             " | project replace_strings(Message, dynamic(['This', 'is']), dynamic(['This', 'was'])),"
             " replace_strings(Message, dynamic(['is', 'This']), dynamic(['was', 'This']))")
    assert con.query(order).rows() == [("This was an example of using replace_strings()",
                                        "Thwas was an example of using replace_strings()")]


def test_replace_strings_over_a_column(con):
    query = ("datatable(s:string)['cmd /c whoami', 'powershell -enc AA', '', 'cmd cmd']"
             " | project t = replace_strings(s, dynamic(['cmd', 'powershell', 1]), dynamic(['CMD', 'PS', 'x']))")
    assert sorted(con.query(query).rows()) == sorted([("CMD /c whoami",), ("PS -enc AA",), ("",), ("CMD CMD",)])
