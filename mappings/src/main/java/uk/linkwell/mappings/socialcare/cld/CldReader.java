package uk.linkwell.mappings.socialcare.cld;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CLD batch file (UTF-8 CSV, RFC 4180 quoting, a header row naming the columns) row by row with
 * Apache Commons CSV. File-level faults are a {@link CldFileException} from {@link #open}; a row whose
 * field count differs from the header's, or an unreadable tail (an unclosed quote), is a row error with its
 * line number. Line numbers count physical lines from 1 (the header), so a row is found in an editor.
 */
public final class CldReader implements Iterator<CldReader.Entry> {

    /** One data row, or the error that stopped it being read. */
    public record Entry(CldRow row, CldRowError error) {
        public long lineNumber() {
            return row != null ? row.lineNumber() : error.lineNumber();
        }
    }

    private final String text;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    private final List<String> header;
    private final Map<Integer, CldColumn> columnsByIndex;
    private long scannedTo;
    private long scannedLine = 1;
    private long lineAfterLast;
    private boolean broken;

    private CldReader(
            String text,
            CSVParser parser,
            List<String> header,
            Map<Integer, CldColumn> columnsByIndex,
            long lineAfterHeader) {
        this.text = text;
        this.parser = parser;
        this.records = parser.iterator();
        this.header = header;
        this.columnsByIndex = columnsByIndex;
        this.lineAfterLast = lineAfterHeader;
    }

    /** Opens a file: checks it is UTF-8 text with a header holding every required column. */
    public static CldReader open(byte[] bytes) throws CldFileException {
        if (bytes.length == 0) {
            throw new CldFileException("empty", "The file is empty.", List.of());
        }
        String text = decode(bytes);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (text.isBlank()) {
            throw new CldFileException("empty", "The file holds no header row.", List.of());
        }
        CSVParser parser;
        List<String> header = new ArrayList<>();
        try {
            parser = CSVFormat.DEFAULT
                    .builder()
                    .setIgnoreEmptyLines(true)
                    .build()
                    .parse(new java.io.StringReader(text));
            Iterator<CSVRecord> it = parser.iterator();
            if (!it.hasNext()) {
                throw new CldFileException("empty", "The file holds no header row.", List.of());
            }
            it.next().forEach(header::add);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            throw new CldFileException("not-csv", "The header row is not valid CSV.", List.of());
        }
        Map<Integer, CldColumn> byIndex = new LinkedHashMap<>();
        Map<CldColumn, Integer> seen = new EnumMap<>(CldColumn.class);
        List<String> duplicated = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            int index = i;
            CldColumn.ofHeader(header.get(i)).ifPresent(column -> {
                if (seen.putIfAbsent(column, index) != null) {
                    duplicated.add(column.header());
                } else {
                    byIndex.put(index, column);
                }
            });
        }
        if (!duplicated.isEmpty()) {
            throw new CldFileException(
                    "duplicate-columns",
                    "The header names a column more than once: " + String.join(", ", duplicated) + ".",
                    duplicated);
        }
        List<String> missing = new ArrayList<>();
        for (CldColumn column : CldColumn.values()) {
            if (column.requiredInHeader() && !seen.containsKey(column)) {
                missing.add(column.header());
            }
        }
        if (!missing.isEmpty()) {
            throw new CldFileException(
                    "missing-columns",
                    "The header lacks required columns: " + String.join(", ", missing) + ".",
                    missing);
        }
        return new CldReader(text, parser, List.copyOf(header), byIndex, parser.getCurrentLineNumber() + 1);
    }

    private static String decode(byte[] bytes) throws CldFileException {
        for (byte b : bytes) {
            if (b == 0) {
                throw new CldFileException(
                        "not-csv", "The file is binary, not CSV text (it holds NUL bytes).", List.of());
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CldFileException("not-csv", "The file is not UTF-8 text.", List.of());
        }
    }

    /** The header row as given. */
    public List<String> header() {
        return header;
    }

    @Override
    public boolean hasNext() {
        if (broken) {
            return false;
        }
        try {
            return records.hasNext();
        } catch (UncheckedIOException | IllegalStateException e) {
            // An unclosed quote swallows the rest of the file: report it once, where that row starts, and stop.
            broken = true;
            pendingFailure = new CldRowError(
                    lineAfterLast,
                    "",
                    "not valid CSV from this line on (an unclosed quote?); the rest of the file was not read");
            return true;
        }
    }

    private CldRowError pendingFailure;

    @Override
    public Entry next() {
        if (pendingFailure != null) {
            CldRowError failure = pendingFailure;
            pendingFailure = null;
            return new Entry(null, failure);
        }
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        if (pendingFailure != null) {
            return next();
        }
        CSVRecord record = records.next();
        long line = lineAt(record.getCharacterPosition());
        lineAfterLast = parser.getCurrentLineNumber() + 1;
        if (record.size() != header.size()) {
            return new Entry(
                    null,
                    new CldRowError(
                            line, "", "has " + record.size() + " fields where the header has " + header.size()));
        }
        Map<CldColumn, String> values = new EnumMap<>(CldColumn.class);
        columnsByIndex.forEach((index, column) -> {
            String value = record.get(index).strip();
            if (!value.isEmpty()) {
                values.put(column, value);
            }
        });
        return new Entry(new CldRow(line, values), null);
    }

    /** The physical line a character position is on, scanning forward from the last one asked for. */
    private long lineAt(long recordPosition) {
        // Commons CSV gives the position where it began looking, before any blank lines it skipped.
        long position = recordPosition;
        while (position < text.length()
                && (text.charAt((int) position) == '\n' || text.charAt((int) position) == '\r')) {
            position++;
        }
        for (long i = scannedTo; i < position && i < text.length(); i++) {
            char c = text.charAt((int) i);
            if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt((int) i + 1) != '\n'))) {
                scannedLine++;
            }
        }
        scannedTo = Math.max(scannedTo, position);
        return scannedLine;
    }
}
