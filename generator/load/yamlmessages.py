"""The loader's bilingual messages: one table, so wording is reviewed in one place.

``TEXT`` maps a diagnostic code (with an optional ``/variant``) to its Chinese and English
message and hint; ``SYNTAX`` maps libyaml's problem texts to a Chinese message and a hint.
"""

from __future__ import annotations

RESAVE = (
    "VS Code：点右下角状态栏的编码 →“通过编码保存 (Save with Encoding)”→ UTF-8（若中文是乱码，"
    "先选“通过编码重新打开”→ GB18030 再保存）；记事本：文件 → 另存为，“编码”选 UTF-8。",
    'VS Code: click the encoding in the bottom-right status bar → "Save with Encoding" → '
    'UTF-8 (if the Chinese looks garbled, first "Reopen with Encoding" → GB18030); '
    "Notepad: File → Save As, Encoding: UTF-8.",
)
QUOTES = (
    "检查引号是否成对；值里本身含引号时，外面换用另一种引号（' 或 \"）。",
    "Check that quotes come in pairs; if a value contains a quote, wrap it in the other kind.",
)
INDENT = (
    "检查缩进（同级对齐，只用空格），以及引号文本结束后同一行没有多余内容。",
    "Check indentation (siblings aligned, spaces only) and that nothing follows a closing quote.",
)
# code[/variant] -> (message zh, message en, hint zh, hint en); {names} are filled per case.
TEXT: dict[str, tuple[str, str, str, str]] = {
    "file-too-large": (
        "文件超过 {limit:,} 字节的上限",
        "The file is larger than the {limit:,}-byte limit",
        "一条记录不应这么大：附件放在别处，记录里只写链接。",
        "A record should not be this large: keep attachments elsewhere and link them.",
    ),
    "file-encoding/bom": (
        "文件是 {enc} 编码，需要 UTF-8",
        "The file is {enc}; UTF-8 is required",
        *RESAVE,
    ),
    "file-encoding/gbk": (
        "文件不是 UTF-8，看起来是 GBK/GB18030 编码（本行按 GBK 读作“{shown}”）",
        'The file is not UTF-8; it looks like GBK/GB18030 (this line reads "{shown}" as GBK)',
        *RESAVE,
    ),
    "file-encoding": (
        "文件不是 UTF-8 编码：这里的字节无法解码",
        "The file is not valid UTF-8: this byte cannot be decoded",
        *RESAVE,
    ),
    "file-binary": (
        "文件含有 NUL 字节，不是文本文件",
        "The file contains a NUL byte; it is not a text file",
        "确认这是 YAML 记录；若是 UTF-16 文本，请另存为 UTF-8。",
        "Make sure this is a YAML record; if it is UTF-16 text, re-save it as UTF-8.",
    ),
    "file-control-char": (
        "文件含有不可见的控制字符 {char}",
        "The file contains the invisible control character {char}",
        "删除这个字符（常见于从网页或 Word 复制的文本）。",
        "Delete that character (it often comes with text pasted from a web page or Word).",
    ),
    "file-not-regular": (
        "这不是普通文件，而是{zh}，不会读取",
        "This is {en}, not a regular file; it is not read",
        "",
        "",
    ),
    "file-outside-root": (
        "文件（符号链接）指向 {base} 之外：{real}",
        "The file (a symlink) points outside {base}: {real}",
        "把记录文件本身放进仓库，不要用指向外部的链接。",
        "Put the record itself in the repository, not a link to elsewhere.",
    ),
    "file-unreadable": ("无法读取文件：{why}", "Cannot read the file: {why}", "", ""),
    "yaml-empty": ("文件是空的（或只有注释）", "The file is empty (or only comments)", "", ""),
    "yaml-not-mapping": (
        "文件顶层必须是“键: 值”的映射，而不是{zh}",
        "The top level must be key: value pairs, not {en}",
        "每行写一个字段，例如 title: 显示异常",
        "Write one field per line, e.g. title: flicker",
    ),
    "yaml-multiple-documents": (
        "一个文件里只能有一个文档（这里开始了第二个）",
        "A file may hold only one document (a second one starts here)",
        "每条记录单独一个文件；删掉多余的 --- 分隔线。",
        "One record per file; remove the extra --- separator.",
    ),
    "yaml-duplicate-key": (
        "键 “{key}” 重复：第 {first} 行已有，第 {line} 行又出现",
        "Duplicate key '{key}': first on line {first}, again on line {line}",
        "删掉或合并其中一个；否则只有最后一个会生效。",
        "Remove or merge one of them; otherwise only the last would count.",
    ),
    "yaml-key-type": (
        "第 {line} 行的键 {key} 不是文本",
        "The key {key} on line {line} is not a string",
        '键必须是文本：给它加引号，例如 "1": …',
        'Keys must be strings: quote it, e.g. "1": …',
    ),
    "yaml-alias": (
        "不允许使用锚点（&）和别名（*）",
        "Anchors (&) and aliases (*) are not allowed",
        "把要重复的内容直接写出来；以 & 或 * 开头的文本请加引号。",
        "Write repeated content out in full; quote text that starts with & or *.",
    ),
    "yaml-tag": (
        "不允许使用 YAML 标签 {tag}",
        "The YAML tag {tag} is not allowed",
        "记录里只写普通的值，不要用 ! 开头的标签；需要文本时用引号。",
        "Records hold plain values only: drop the ! tag, quote the value if it is text.",
    ),
    "yaml-tag/value": (
        "值 “{value}” 不符合标签 {tag}",
        "The value '{value}' does not fit the tag {tag}",
        "去掉标签，或改成符合该类型的值。",
        "Remove the tag or use a value of that type.",
    ),
    "yaml-too-deep": (
        "嵌套超过 {limit} 层",
        "Nesting is deeper than {limit} levels",
        "检查是否有未闭合的 [ 或 {{，或缩进越来越深。",
        "Look for an unclosed [ or {{, or runaway indentation.",
    ),
    "yaml-syntax/tab": (
        "第 {line} 行用了 Tab 缩进",
        "Line {line} is indented with a tab",
        "YAML 不允许用 Tab 缩进，请改用空格",
        "YAML does not allow tabs for indentation; use spaces",
    ),
    "yaml-syntax": ("YAML 语法错误：{zh}", "YAML syntax error: {en}", "{hzh}", "{hen}"),
    "yaml-internal": (
        "读取 YAML 时出现内部错误：{exc}",
        "Internal error while loading YAML: {exc}",
        "",
        "",
    ),
}
# libyaml problem texts (prefixes) users meet most, each with a Chinese message and a hint.
SYNTAX: dict[str, tuple[str, tuple[str, str]]] = {
    "mapping values are not allowed": (
        "这里不能出现“: ”（冒号加空格）",
        (
            '值里有“: ”时，把整个值用引号括起来，例如 title: "问题: 显示异常"。',
            "When a value contains ': ', quote the whole value, e.g. title: \"Issue: flicker\".",
        ),
    ),
    "found unexpected end of stream": ("引号没有闭合，文件就结束了", QUOTES),
    "did not find expected key": ("这里应当是一个“键: 值”", INDENT),
    "could not find expected ':'": (
        "找不到键后面的冒号“:”",
        (
            "键后面要写“: ”；多行文本请用 | 块；未闭合的引号也会导致这个错误。",
            "A key needs ': ' after it; use a | block for multi-line text; an unclosed quote also "
            "causes this.",
        ),
    ),
    "found character that cannot start any token": (
        "这里的字符不能作为值的开头",
        (
            '以 @ ` % 等字符开头的值要加引号，例如 note: "@张三"。',
            'Quote values that start with @, ` or %, e.g. note: "@Zhang".',
        ),
    ),
    "found unknown escape character": (
        "双引号文本里有未知的转义（反斜杠 \\）",
        (
            "含反斜杠的文本（如 Windows 路径）请改用单引号，例如 path: 'C:\\data'。",
            "Use single quotes for text with backslashes, e.g. path: 'C:\\data'.",
        ),
    ),
    "did not find expected ',' or ']'": ("方括号列表 [ ] 没有正确闭合", QUOTES),
    "did not find expected ',' or '}'": ("花括号 { } 没有正确闭合", QUOTES),
    "block sequence entries are not allowed": (
        "这里不能出现列表项“- ”",
        (
            "列表项要另起一行，并缩进在它的键下面。",
            "Start list items on their own line, indented under their key.",
        ),
    ),
    "did not find expected '-' indicator": ("这里应当是列表项“- ”", INDENT),
    "did not find expected node content": ("这里缺少值", INDENT),
}
