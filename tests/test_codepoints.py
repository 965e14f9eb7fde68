"""Text as numbers: Unicode code points and base64 bytes as arrays (the documentation's examples), on both
engines."""

from __future__ import annotations


def test_unicode_codepoints_from_string(con):
    query = ("print a = unicode_codepoints_from_string('⒦⒰⒮⒯⒪'), b = unicode_codepoints_from_string('קוסטו'),"
             " c = unicode_codepoints_from_string('kusto'), d = unicode_codepoints_from_string('a😀'),"
             " e = unicode_codepoints_from_string('')")
    assert con.query(query).rows() == [([9382, 9392, 9390, 9391, 9386], [1511, 1493, 1505, 1496, 1493],
                                        [107, 117, 115, 116, 111], [97, 128512], [])]


def test_unicode_codepoints_to_string(con):
    query = ("print a = unicode_codepoints_to_string(75, 117, 115, 116, 111),"
             " b = unicode_codepoints_to_string(dynamic([75, 117, 115, 116, 111])),"
             " c = unicode_codepoints_to_string(dynamic([75, 117, 115]), 116, 111),"
             " d = unicode_codepoints_to_string(dynamic([128512, 65])),"
             " e = unicode_codepoints_to_string(dynamic([-1])), f = unicode_codepoints_to_string(dynamic(['a']))")
    assert con.query(query).rows() == [("Kusto", "Kusto", "Kusto", "😀A", "", "")]
    round_trip = "print s = 'Lê 😀' | project t = unicode_codepoints_to_string(unicode_codepoints_from_string(s))"
    assert con.query(round_trip).rows() == [("Lê 😀",)]


def test_base64_arrays(con):
    query = ("print a = base64_decode_toarray('S3VzdG8='), b = base64_encode_fromarray(dynamic([75, 117, 115, 116, 111])),"
             " c = base64_encode_fromarray(base64_decode_toarray('S3VzdG8')), d = base64_decode_toarray('!!'),"
             " e = base64_encode_fromarray(dynamic([256])), f = base64_decode_toarray('')")
    assert con.query(query).rows() == [([75, 117, 115, 116, 111], "S3VzdG8=", "S3VzdG8=", None, "", [])]
