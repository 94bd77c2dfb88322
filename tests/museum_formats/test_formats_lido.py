"""LIDO XML as museums and aggregators serve it: every root, LIDO 1.0 and 1.1, every record and image accounted for."""

import pytest
from formats_helpers import FIXTURES, read

from museum_formats.lido.documents import lido_records
from museum_formats.reading import ExportError

LIDO = FIXTURES / "lido"
ALL_FIELDS = {
    "maker": "maker",
    "maker_uri": "maker_uri",
    "date": "date",
    "material": "material",
    "material_uri": "material_uri",
    "work_type_uri": "work_type_uri",
    "classification_uri": "classification_uri",
}
WRAP = "wrap-v1.0.xml"


def _read(path, **options):
    return read("lido", path, image_roots=[LIDO / "images"], **options)


def test_lido_1_0_wrap_every_field_and_reason():
    result = _read(LIDO / WRAP, fields=ALL_FIELDS)
    records = result.records()
    assert sorted(records) == ["HW-0001", "HW-0003"]
    jug = records["HW-0001"]
    # The preferred title in English (languages = ["en"] by default), not the German one nor the alternate.
    assert jug["name"] == "Lidded jug"
    # English notes of both description sets; the German note, the "-" and the empty note are not text.
    assert jug["description"] == "Pewter, cast and turned. Bought in Nuremberg, 1910."
    assert (jug["category"], jug["taxonomy"]) == ("jug", "Tableware > Pouring vessels")
    # One image per resourceSet in sortorder: the IIIF service at full size, the master of three, the bare
    # file name found under image_roots, the thumbnail where the master is a file that is not there; the PDF,
    # the landing page and the video are dropped.
    assert jug["images"] == [
        "https://iiif.example.org/iiif/2/0001-a/full/max/0/default.jpg",
        "https://images.example.org/master/0001-b.jpg",
        str((LIDO / "images" / "a001.jpg").resolve()),
        "https://images.example.org/thumb/0001-d.jpg",
    ]
    assert {key: jug[key] for key in ALL_FIELDS_KEYS} == {
        "maker": "Zinngießer, Hans",  # the Production event's first actor, by preferred name
        "maker_uri": "https://d-nb.info/gnd/000000001",
        "date": "about 1650",
        "material": "pewter",
        "material_uri": "http://vocab.getty.edu/aat/300011019",
        "work_type_uri": "http://vocab.getty.edu/aat/300041273",
        "classification_uri": "https://example.org/classification/tableware",
    }
    assert (jug["source_id"], jug["source_position"]) == ("HW-0001", 5)
    link_reasons = [(value, reason) for field, value, reason in result.dropped_of("HW-0001") if field == "linkResource"]
    assert link_reasons == [
        (
            "https://images.example.org/thumb/0001-a.jpg",
            "another rendition of the same resource (one is kept: the IIIF service, else the largest)",
        ),
        (
            "https://images.example.org/thumb/0001-b.jpg",
            "another rendition of the same resource (one is kept: the IIIF service, else the largest)",
        ),
        (
            "https://images.example.org/large/0001-b.jpg",
            "another rendition of the same resource (one is kept: the IIIF service, else the largest)",
        ),
        ("missing.jpg", "neither a URL nor an existing file"),
        (
            "https://collection.example.org/catalogue/0001.pdf",
            "a PDF file (.pdf), though formatResource says image/jpeg",
        ),
        (
            "https://collection.example.org/object/0001",
            "only formatResource says it is an image (no image file extension, image type or IIIF service)",
        ),
        ("https://collection.example.org/film/0001.mp4", "a video rendition (lido:type provided_video)"),
    ]
    assert ("resourceSet", "photo-0001-x", "a resourceSet without a linkResource") in result.dropped_of("HW-0001")
    assert ("material", "casting", "a technique, not a material (termMaterialsTech type)") in result.dropped_of(
        "HW-0001"
    )
    assert (
        "classification",
        "IMAGE",
        "the Europeana type of the record's media (europeana:type), not a classification of the object",
    ) in result.dropped_of("HW-0001")
    assert (
        "objectWorkType",
        "Gefäß",
        "a search term added for retrieval (addedSearchTerm), not the concept's label",
    ) in result.dropped_of("HW-0001")
    fields = result.fields()
    # 11 linkResources read: 4 kept, 7 dropped; one resourceSet had none.
    assert fields["linkResource"] == (11, 4)
    assert fields["titleSet"] == (4, 2)
    assert fields["descriptiveNoteValue"] == (6, 3)
    # The record without a lidoRecID is rejected where it starts; the third keeps its first id and drops the other.
    assert result.rejects() == [
        {
            "source_file": str(LIDO / WRAP),
            "source_position": 158,
            "record_id": None,
            "field": "lidoRecID",
            "reason": "missing record_id (no lidoRecID)",
        }
    ]
    assert result.dropped_of("HW-0003") == [
        ("lidoRecID", "urn:example:HW-0003", "a further lidoRecID (the first is the record's id)"),
        ("descriptiveNoteValue", "-", "a placeholder for no text (-)"),
    ]


ALL_FIELDS_KEYS = ("maker", "maker_uri", "date", "material", "material_uri", "work_type_uri", "classification_uri")


def test_languages_pick_the_first_language_present():
    result = _read(LIDO / WRAP, languages=["nl", "de"], fields=ALL_FIELDS)
    jug = result.records()["HW-0001"]
    # No Dutch anywhere; German is the first language present (descriptiveMetadata xml:lang="de"). The
    # language is chosen per description set: the provenance set is in English only, and is kept.
    assert (jug["name"], jug["description"], jug["category"], jug["date"]) == (
        "Deckelkanne",
        "Zinn, gegossen und gedreht. Bought in Nuremberg, 1910.",
        "Kanne",
        "um 1650",
    )
    # A record in none of the languages keeps its first value.
    assert result.records()["HW-0003"]["name"] == "Assiette"


def test_lido_1_1_bare_record_skos_terms_and_stated_sizes():
    result = _read(LIDO / "bare-v1.1.xml", fields=ALL_FIELDS)
    record = result.records()["DE-XX/lido-obj-11"]
    # lido00169 (preferred) in en-GB matches "en"; the English alternate and the Italian preferred are dropped.
    assert record["name"] == "Spring"
    assert record["category"] == "painting (visual work)"  # the SKOS prefLabel in English
    assert (record["maker"], record["maker_uri"], record["date"]) == (
        "Botticelli, Sandro",
        "http://vocab.getty.edu/ulan/500010081",
        "1475/1485",  # no displayDate: earliest/latest as an interval
    )
    assert record["work_type_uri"] == "http://vocab.getty.edu/aat/300033618"
    # Both renditions state their pixel width (as SKOS concepts): the 1200 px one is kept; the 3D model is dropped.
    assert record["images"] == ["http://pictures.example.org/bilder/d/fm0011"]
    assert result.dropped_of("DE-XX/lido-obj-11") == [
        ("titleSet", "Spring allegory", "an alternative or further value (one is kept, preferred first)"),
        ("titleSet", "La Primavera", "in another language than the value kept (languages)"),
        ("objectWorkType", "Gemälde", "in another language than the value kept (languages)"),
        ("objectWorkType", "Malerei", "in another language than the value kept (languages)"),
        (
            "linkResource",
            "http://pictures.example.org/bilder/m/fm0011",
            "another rendition of the same resource (one is kept: the IIIF service, else the largest)",
        ),
        (
            "linkResource",
            "https://models.example.org/0011.glb",
            "a 3D model rendition (lido:type http://terminology.lido-schema.org/lido00468)",
        ),
    ]


def test_oai_pmh_pages_glob_deleted_records_and_windows_1252():
    result = _read(LIDO / "oai-*.xml")
    records = result.records()
    coin = records["coin-7"]
    # IIIF image requests: the front (sortorder 1) has only a preview, asked for at full size; the back keeps
    # the provided full-size request as written. The manifest is no image.
    assert coin["images"] == [
        "https://coins.example.org/iiif/image/coin-7_vs.jpg/full/max/0/default.jpg",
        "https://coins.example.org/iiif/image/coin-7_rs.jpg/full/full/0/default.jpg",
    ]
    assert (
        "linkResource",
        "https://coins.example.org/iiif/manifest/coin-7",
        "an IIIF Presentation resource (a manifest or canvas), not an image",
    ) in result.dropped_of("coin-7")
    assert coin["source_file"] == str(LIDO / "oai-listrecords.xml")
    # GetRecord, a lidoWrap inside the metadata, in Windows-1252 as its declaration says.
    mug = records["mug-9"]
    assert (mug["name"], mug["description"]) == ("Bierkrug „Grüß Gott“", "Steinzeug, salzglasiert – Höhe 20 cm.")
    assert mug["source_file"] == str(LIDO / "oai-getrecord-cp1252.xml")
    [deleted] = result.rejects()
    assert (deleted["field"], deleted["reason"], deleted["source_position"]) == (
        "header",
        "deleted record (OAI-PMH identifier oai:example.org:coin-8)",
        48,
    )


def test_records_stream_one_at_a_time(tmp_path):
    note = "A note of about a kilobyte. " * 40
    record = "<lido><lidoRecID>r{n}</lidoRecID><descriptiveMetadata>{note}</descriptiveMetadata></lido>"
    body = "".join(record.format(n=n, note=note) for n in range(5000))
    (tmp_path / "big.xml").write_text(f'<lidoWrap xmlns="http://www.lido-schema.org">{body}</lidoWrap>')
    held = []
    for _, element in lido_records(tmp_path / "big.xml"):
        held.append(len(element.getparent()))
    assert len(held) == 5000
    assert max(held) < 100  # handled records are freed: the tree holds no more than one parse chunk of them


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"<records><record/></records>",
            "root element is records, not lido:lidoWrap, lido:lido or an OAI-PMH response",
        ),
        (b"<lidoWrap><lido/></lidoWrap>", "(LIDO elements belong to the namespace http://www.lido-schema.org)"),
        (
            b'<lidoWrap xmlns="http://www.lido-schema.org">\n<lido><lidoRecID>a</lidoRecID></lido>\n<lido></lidoWrap>',
            "line 3: not well-formed XML",
        ),
        (
            '<lidoWrap xmlns="http://www.lido-schema.org"><lido><lidoRecID>Kr\u00fcg</lidoRecID></lido></lidoWrap>'.encode(
                "cp1252"
            ),
            "or set the collection's `encoding`",
        ),
        (
            b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="badResumptionToken">expired</error></OAI-PMH>',
            "the OAI-PMH response is an error (badResumptionToken): expired",
        ),
        (
            b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListIdentifiers><header/></ListIdentifiers></OAI-PMH>',
            "a ListIdentifiers response holds no records; harvest with ListRecords",
        ),
        (b"", "line 1: not well-formed XML: no element found"),
    ],
)
def test_unreadable_files_are_refused_naming_file_and_cause(tmp_path, content, message):
    (tmp_path / "x.xml").write_bytes(content)
    with pytest.raises(ExportError, match=r"x\.xml: .*") as error:
        list(lido_records(tmp_path / "x.xml"))
    assert message in str(error.value)


def test_encoding_option_reads_files_without_a_declaration(tmp_path):
    text = '<lidoWrap xmlns="http://www.lido-schema.org"><lido><lidoRecID>k1</lidoRecID><descriptiveMetadata><objectIdentificationWrap><titleWrap><titleSet><appellationValue>Krüg</appellationValue></titleSet></titleWrap></objectIdentificationWrap></descriptiveMetadata></lido></lidoWrap>'
    (tmp_path / "plain.xml").write_bytes(text.encode("cp1252"))
    assert _read(tmp_path / "plain.xml", encoding="cp1252").records()["k1"]["name"] == "Krüg"


def test_empty_oai_answer_holds_no_records(tmp_path):
    (tmp_path / "x.xml").write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="noRecordsMatch"/></OAI-PMH>'
    )
    assert list(lido_records(tmp_path / "x.xml")) == []


def test_bare_image_names_are_looked_for_beside_the_file_then_in_the_exported_folder(tmp_path):
    sets = "".join(
        f"<resourceSet><resourceRepresentation><linkResource>{name}</linkResource></resourceRepresentation></resourceSet>"
        for name in ("a.jpg", "photos/b.jpg", "c.jpg")
    )
    record = (
        '<lidoWrap xmlns="http://www.lido-schema.org"><lido><lidoRecID>r1</lidoRecID><descriptiveMetadata>'
        "<objectIdentificationWrap><titleWrap><titleSet><appellationValue>Jug</appellationValue></titleSet>"
        "</titleWrap></objectIdentificationWrap></descriptiveMetadata><administrativeMetadata><resourceWrap>"
        f"{sets}</resourceWrap></administrativeMetadata></lido></lidoWrap>"
    )
    (tmp_path / "export" / "page-1").mkdir(parents=True)
    (tmp_path / "export" / "photos").mkdir()
    (tmp_path / "export" / "page-1" / "records.xml").write_text(record)
    (tmp_path / "export" / "page-1" / "a.jpg").write_bytes(b"\xff\xd8")  # beside the file
    (tmp_path / "export" / "photos" / "b.jpg").write_bytes(b"\xff\xd8")  # under the exported folder
    result = read("lido", tmp_path / "export" / "*" / "records.xml", max_images=5)
    assert result.records()["r1"]["images"] == [
        str((tmp_path / "export" / "page-1" / "a.jpg").resolve()),
        str((tmp_path / "export" / "photos" / "b.jpg").resolve()),
    ]
    assert result.dropped_of("r1") == [("linkResource", "c.jpg", "neither a URL nor an existing file")]


def test_three_letter_language_codes_match_two_letter_languages(tmp_path):
    # The Deutsches Museum writes xml:lang="eng" on its terms, as many German LIDO exports do.
    (tmp_path / "enigma.xml").write_text(
        '<lido:lidoWrap xmlns:lido="http://www.lido-schema.org"><lido:lido>'
        "<lido:lidoRecID>DE-MUS-1/1</lido:lidoRecID>"
        '<lido:descriptiveMetadata xml:lang="ger"><lido:objectClassificationWrap><lido:objectWorkTypeWrap>'
        '<lido:objectWorkType><lido:term>Chiffriermaschine</lido:term><lido:term xml:lang="eng">cipher machine</lido:term>'
        "</lido:objectWorkType></lido:objectWorkTypeWrap></lido:objectClassificationWrap>"
        "<lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet>"
        "<lido:appellationValue>Chiffriermaschine Enigma I</lido:appellationValue>"
        '<lido:appellationValue xml:lang="eng">Enigma I cipher machine</lido:appellationValue>'
        "</lido:titleSet></lido:titleWrap></lido:objectIdentificationWrap></lido:descriptiveMetadata>"
        "</lido:lido></lido:lidoWrap>",
        encoding="utf-8",
    )
    result = read("lido", tmp_path, languages=["en", "de"])
    enigma = result.records()["DE-MUS-1/1"]
    assert (enigma["name"], enigma["category"]) == ("Enigma I cipher machine", "cipher machine")
    assert (
        "objectWorkType",
        "Chiffriermaschine",
        "in another language than the value kept (languages)",
    ) in result.dropped_of("DE-MUS-1/1")
