import pytest

from kt_rnn.data import text_files
from kt_rnn.errors import DataError, UsageError

SPAM = [
    ("ham", "Go until jurong point, crazy.. Available only in bugis n great world la e buffet"),
    ("ham", "Ok lar... Joking wif u oni..."),
    ("spam", "Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005; text FA to 87121"),
    ("ham", "U dun say so early hor... U c already then say..."),
    ("ham", "\"Nah I don't think he goes to usf, he lives around here though"),  # an unclosed quote
    ("ham", "Even my brother is not like to speak with me. | They treat me like aids patent."),
    ("spam", "WINNER!! As a valued network customer you have been selected to receive a prize"),
    ("ham", "I'm gonna be home soon and i don't want to talk about this stuff anymore tonight"),
]


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def _folder(root, files):
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        _write(root / relative, content)
    return root


def test_read_folder_labels_by_subfolder(tmp_path):
    root = _folder(
        tmp_path / "news",
        {
            "sport/b.txt": "Goal in the last minute.",
            "sport/a.txt": "The match ended in a draw.",
            "politics/1.txt": "Parliament voted today.",
            "tech/x.txt": "A new chip was announced.",
            "tech/notes.md": "not an example",
            "readme.txt": "not in a class folder",
        },
    )
    data = text_files.read(root)
    assert data.class_names == ("politics", "sport", "tech")
    assert data.labels == ["politics", "sport", "sport", "tech"]
    assert data.texts[1:3] == ["The match ended in a draw.", "Goal in the last minute."]  # by file name
    assert data.source == str(root.resolve())
    assert any("directly in news/ ignored" in note for note in data.notes)


def test_read_folder_replaces_undecodable_bytes_and_drops_empty_files(tmp_path):
    root = _folder(
        tmp_path / "d",
        {"neg/1.txt": b"bad \xff\xfe bytes", "neg/2.txt": " \n", "pos/1.txt": "ok", "pos/2.txt": "\ufeffgood"},
    )
    data = text_files.read(root)
    assert data.texts == ["bad \ufffd\ufffd bytes", "ok", "good"]
    assert "1 files had undecodable bytes (replaced" in " ".join(data.notes)
    assert "1 empty .txt files dropped" in data.notes


def test_read_folder_rejects_columns_and_folders_without_texts(tmp_path):
    root = _folder(tmp_path / "d", {"neg/1.txt": "a", "pos/1.txt": "b"})
    with pytest.raises(UsageError, match="is a directory.*Drop those options"):
        text_files.read(root, text_column="text")
    empty = _folder(tmp_path / "e", {"neg/1.md": "a", "loose.txt": "b"})
    with pytest.raises(DataError, match=r"No .txt files in the subfolders.*<class>/\*.txt"):
        text_files.read(empty)


def test_read_csv_with_header_quoted_delimiters_and_newlines(tmp_path):
    path = _write(
        tmp_path / "reviews.csv",
        '\ufeffid,review,sentiment\r\n1,"Great, really great",pos\r\n2,"Bad.\nVery ""bad"".",neg\r\n3,Fine,pos\r\n',
    )
    data = text_files.read(path)
    assert data.texts == ["Great, really great", 'Bad.\nVery "bad".', "Fine"]
    assert data.labels == ["pos", "neg", "pos"] and data.class_names == ("neg", "pos")
    assert "header row; text: column 1 ('review'), label: column 2 ('sentiment')" in data.notes[0]


def test_read_headerless_tsv_label_then_text(tmp_path):
    path = _write(tmp_path / "SMSSpamCollection", "".join(f"{y}\t{x}\n" for y, x in SPAM))
    data = text_files.read(path)
    assert data.labels == [y for y, _ in SPAM] and data.texts == [x for _, x in SPAM]
    assert data.class_names == ("ham", "spam")


@pytest.mark.parametrize("text_column, label_column", [("sms", "Kind"), (1, 2), ("1", "2")])
def test_read_columns_by_name_or_index(tmp_path, text_column, label_column):
    rows = ["id,sms,kind,source"] + [f"{i},{x.replace(',', ' ')},{y},web" for i, (y, x) in enumerate(SPAM)]
    path = _write(tmp_path / "data.csv", "\n".join(rows))
    data = text_files.read(path, text_column=text_column, label_column=label_column)
    assert data.labels == [y for y, _ in SPAM]
    assert data.texts[1] == "Ok lar... Joking wif u oni..."


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_read_detects_delimiter_and_columns(tmp_path, delimiter):
    texts = ["a fine day out", "nothing good here at all", "so so", "what a lovely film", "dull and long"]
    labels = ["pos", "neg", "neg", "pos", "neg"]
    lines = [delimiter.join([str(100 + i), y, x]) for i, (x, y) in enumerate(zip(texts, labels))]
    data = text_files.read(_write(tmp_path / "data.txt", "\n".join(lines) + "\n"))
    assert data.texts == texts and data.labels == labels


def test_read_int_labels_sort_numerically(tmp_path):
    path = _write(tmp_path / "d.csv", "text,label\nfirst,10\nsecond,2\nthird,01\nfourth,10\n")
    data = text_files.read(path)
    assert data.class_names == ("1", "2", "10")
    assert data.labels == ["10", "2", "1", "10"]


def test_read_replaces_undecodable_bytes_and_counts_them(tmp_path):
    path = _write(tmp_path / "d.tsv", b"pos\tcaf\xe9 au lait\nneg\tcold tea\npos\tna\xefve\n")
    data = text_files.read(path)
    assert data.texts == ["caf\ufffd au lait", "cold tea", "na\ufffdve"]
    assert any("2 bytes that are not UTF-8 (first on line 1)" in note for note in data.notes)


def test_read_drops_rows_with_empty_text(tmp_path):
    path = _write(tmp_path / "d.csv", 'text,label\nhello,a\n"  ",b\n,a\nworld,b\n')
    data = text_files.read(path)
    assert data.texts == ["hello", "world"]
    assert "2 rows with empty text dropped" in data.notes


def test_read_missing_path_names_data_option(tmp_path):
    with pytest.raises(DataError, match="not found at .*absent.*Pass --data"):
        text_files.read(tmp_path / "absent.csv")


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_read_empty_file_is_a_data_error(tmp_path, content):
    with pytest.raises(DataError, match="is empty. Pass --data"):
        text_files.read(_write(tmp_path / "d.csv", content))


def test_read_unknown_column_lists_the_columns(tmp_path):
    path = _write(tmp_path / "d.csv", "text,label\nhello,a\nworld,b\n")
    listed = r"0 \('text'\), 1 \('label'\)"
    with pytest.raises(DataError, match=f"No text column 'body'.*{listed}.*header name or by 0-based index"):
        text_files.read(path, text_column="body")
    with pytest.raises(DataError, match=f"No label column 5.*{listed}"):
        text_files.read(path, label_column=5)
    headerless = _write(tmp_path / "h.tsv", "ham\thello there\nspam\twin now\n")
    listed = r"0, 1 \(no header row; first row: 'ham', 'hello there'\)"
    with pytest.raises(DataError, match=f"{listed}.*0-based index"):
        text_files.read(headerless, label_column="label")


def test_read_same_column_twice_is_a_usage_error(tmp_path):
    path = _write(tmp_path / "d.csv", "text,label\nhello,a\nworld,b\n")
    with pytest.raises(UsageError, match="must differ.*two different columns"):
        text_files.read(path, text_column=0, label_column="text")


def test_read_single_column_is_a_data_error(tmp_path):
    path = _write(tmp_path / "d.txt", "just some text\nand more text\n")
    with pytest.raises(DataError, match="single column.*text column and a label column"):
        text_files.read(path)


def test_read_only_empty_texts_is_a_data_error(tmp_path):
    path = _write(tmp_path / "d.csv", "text,label\n ,a\n,b\n")
    with pytest.raises(DataError, match="No examples with text.*Pass --data"):
        text_files.read(path)


def test_read_one_class_names_it(tmp_path):
    path = _write(tmp_path / "d.csv", "text,label\nhello,spam\nworld,spam\n")
    with pytest.raises(DataError, match="Only one class.*'spam'.*at least 2 classes.*--label-column"):
        text_files.read(path)


def test_read_rows_with_too_few_fields_name_their_lines(tmp_path):
    path = _write(tmp_path / "d.csv", "label,text\na,hello\nb\na,world\nb\n")
    expected = r"2 rows .* too few fields.*lines 3, 5.*quote fields that contain a comma"
    with pytest.raises(DataError, match=expected):
        text_files.read(path)


def test_read_header_detection_by_label_values(tmp_path):
    rows = "".join(f"{y},{x.replace(',', ' ')},,\n" for y, x in SPAM)
    data = text_files.read(_write(tmp_path / "spam.csv", "v1,v2,,\n" + rows))  # Kaggle's header
    assert data.class_names == ("ham", "spam") and len(data.texts) == len(SPAM)
    votes = "y,keep the old name\nn,rename it\ny,fine either way\nn,no\n"  # a "y" label is no header
    assert text_files.read(_write(tmp_path / "votes.csv", votes)).labels == ["y", "n", "y", "n"]


@pytest.mark.parametrize("label", ['"bil\nling"', "bil\x85ling", "bil\u2028ling"])
def test_read_refuses_a_label_that_would_split_the_class_names_file(tmp_path, label):
    path = _write(tmp_path / "t.csv", f"text,label\ncharged twice,{label}\nthe app crashes,bug\nrefund please,praise\n")
    with pytest.raises(DataError, match=r"Label 'bil.{1,6}ling' in .* holds a line break or another control character"):
        text_files.read(path)
