// visualizer/ui/lesson_view.cpp — a small Markdown reader, and the run's verdicts.
#include "ui/lesson_view.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace smtplab::visualizer::ui {

namespace {

// The list item or paragraph being collected; Markdown lets both run over several lines.
struct Block {
  enum class Kind { None, Paragraph, Bullet, Numbered } kind = Kind::None;
  std::string label;   // "3." for a numbered item
  std::size_t depth = 0;  // nesting, from the item's indentation
  std::string text;
};

std::size_t leading_spaces(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  return first == std::string_view::npos ? line.size() : first;
}

// "3. text" -> length of "3."; 0 when the line is not a numbered item.
std::size_t numbered_label(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == 0 || i + 1 >= line.size() || line[i] != '.' || line[i + 1] != ' ') return 0;
  return i + 1;
}

// Inline Markdown markers are dropped rather than shown: "**Goal:**" reads "Goal:" and
// "`EHLO`" reads "EHLO" (ImGui 1.86 cannot switch fonts inside wrapped text).
std::string plain_inline(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') continue;
    if (text[i] == '*' && i + 1 < text.size() && text[i + 1] == '*') {
      ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

// The cells of a table row "| a | b |", trimmed and without inline markers.
std::vector<std::string> table_cells(std::string_view row) {
  std::vector<std::string> cells;
  if (row.starts_with("|")) row.remove_prefix(1);
  if (row.ends_with("|")) row.remove_suffix(1);
  std::size_t start = 0;
  while (start <= row.size()) {
    std::size_t bar = row.find('|', start);
    if (bar == std::string_view::npos) bar = row.size();
    std::string_view cell = row.substr(start, bar - start);
    while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
    while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
    cells.push_back(plain_inline(cell));
    start = bar + 1;
  }
  return cells;
}

// A table, its columns padded to a common width in the monospace font.
void draw_table(const std::vector<std::vector<std::string>>& rows, const Theme& theme) {
  if (rows.empty()) return;
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (widths.size() <= c) widths.push_back(0);
      widths[c] = std::max(widths[c], row[c].size());
    }
  ImGui::PushFont(theme.mono);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      line += rows[r][c];
      if (c + 1 < rows[r].size()) line += std::string(widths[c] - rows[r][c].size() + 2, ' ');
    }
    if (r == 0) ImGui::PushStyleColor(ImGuiCol_Text, theme.accent);
    ImGui::TextUnformatted(line.c_str());
    if (r == 0) ImGui::PopStyleColor();
  }
  ImGui::PopFont();
}

void draw_block(Block& block, const Theme& theme) {
  if (block.kind == Block::Kind::None) return;
  const float indent = theme.font_size * 1.4f * static_cast<float>(block.depth);
  if (indent > 0) ImGui::Indent(indent);
  if (block.kind == Block::Kind::Bullet) {
    ImGui::Bullet();
    ImGui::SameLine();
  } else if (block.kind == Block::Kind::Numbered) {
    ImGui::TextUnformatted(block.label.c_str());
    ImGui::SameLine();
  }
  ImGui::TextWrapped("%s", plain_inline(block.text).c_str());
  if (indent > 0) ImGui::Unindent(indent);
  block = Block{};
}

void draw_markdown(std::string_view text, const Theme& theme) {
  bool in_code = false;
  Block block;
  std::vector<std::vector<std::string>> table;  // rows of the table being read
  auto flush = [&] {
    draw_block(block, theme);
    draw_table(table, theme);
    table.clear();
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? text.npos : eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol == std::string_view::npos ? text.size() + 1 : eol + 1;
    const std::size_t spaces = leading_spaces(line);
    const std::string_view body = line.substr(spaces);
    if (body.starts_with("```")) {
      flush();
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      ImGui::PushFont(theme.mono);
      ImGui::TextUnformatted(line.data(), line.data() + line.size());
      ImGui::PopFont();
      continue;
    }
    if (body.empty()) {
      flush();
      ImGui::Spacing();
      continue;
    }
    if (line.starts_with("#")) {
      flush();
      std::size_t level = line.find_first_not_of('#');
      std::string title(line.substr(level == std::string_view::npos ? line.size() : level));
      ImGui::PushFont(theme.bold);
      ImGui::PushStyleColor(ImGuiCol_Text, theme.accent);
      ImGui::TextWrapped("%s", plain_inline(title.c_str() + (title.starts_with(" ") ? 1 : 0)).c_str());
      ImGui::PopStyleColor();
      ImGui::PopFont();
      continue;
    }
    if (body.starts_with("|")) {
      // A table row: collected, then drawn with its columns lined up (flush); the
      // |---| separator row is left out.
      if (table.empty()) draw_block(block, theme);
      if (body.find_first_not_of("|-: ") != std::string_view::npos) table.push_back(table_cells(body));
      continue;
    }
    if (!table.empty()) flush();
    const std::size_t number = numbered_label(body);
    if (body.starts_with("- ") || body.starts_with("* ") || number > 0) {
      flush();  // a new item: the previous item or paragraph is complete
      block.kind = number > 0 ? Block::Kind::Numbered : Block::Kind::Bullet;
      block.label = number > 0 ? std::string(body.substr(0, number)) : std::string();
      block.depth = spaces / 2;
      block.text = std::string(body.substr(number > 0 ? number + 1 : 2));
      continue;
    }
    // A continuation line: it belongs to the open item when indented, else to a paragraph.
    const bool continues_item =
        (block.kind == Block::Kind::Bullet || block.kind == Block::Kind::Numbered) && spaces > 0;
    if (!continues_item && block.kind != Block::Kind::Paragraph) {
      flush();
      block.kind = Block::Kind::Paragraph;
    }
    if (!block.text.empty()) block.text += ' ';
    block.text += body;
  }
  flush();
}

}  // namespace

void LessonView::draw(const TraceModel& model, const ViewContext& ctx) {
  const Theme& theme = ctx.theme;
  if (!model.lesson_markdown().empty()) {
    draw_markdown(model.lesson_markdown(), theme);
    return;
  }
  const auto& doc = model.document();
  ImGui::PushFont(theme.bold);
  ImGui::TextWrapped("%s", doc.title.empty() ? "(untitled trace)" : doc.title.c_str());
  ImGui::PopFont();
  ImGui::PushStyleColor(ImGuiCol_Text, theme.text_dim);
  ImGui::TextWrapped("source %s   seed %llu   %zu events%s", doc.source.c_str(),
                     static_cast<unsigned long long>(doc.seed), doc.events.size(),
                     doc.truncated ? "   (trace truncated at its limit)" : "");
  ImGui::PopStyleColor();
  for (const auto& x : doc.expectations) {
    ImGui::PushStyleColor(ImGuiCol_Text, x.ok ? okabe_ito::bluish_green : theme.error);
    ImGui::TextUnformatted(x.ok ? "\u2713 pass" : "\u2717 FAIL");
    ImGui::PopStyleColor();
    ImGui::SameLine();
    ImGui::TextWrapped("%s%s%s", x.description.c_str(), x.detail.empty() ? "" : " \u2014 ", x.detail.c_str());
  }
}

}  // namespace smtplab::visualizer::ui
