// The menu: what it shows, and that only valid choices get through.
#include <gtest/gtest.h>

#include <string>

#include "runtime/app/model_menu.h"
#include "tests/app/app_fakes.h"

namespace inferpi {
namespace {

using namespace inferpi::testing;  // the fakes (app_fakes.h)

struct MenuTest : ::testing::Test {
  testing::ConsoleScope scope;
  std::vector<uint8_t> memory = std::vector<uint8_t>(4 << 20);
  Arena arena{memory.data(), memory.size()};
  ModelCatalog catalog;
  MemDrive drive{"usb0p1 INFERPI"};
  MenuOptions options;

  MenuTest() {
    drive.add_file("demo-llama/model.bin", fake_model(23'000'000 / 1000));
    drive.add_file("demo-llama/tokenizer.bin", fake_tokenizer());
    drive.add_file("demo-nanochat/model.bin", fake_model(100));
    drive.add_file("demo-nanochat/tokenizer.bin", fake_tokenizer());
    drive.add_file("broken/model.bin", fake_model(100));
    ModelDrive* drives[] = {&drive};
    catalog.scan(drives, 1, arena, fake_registry());
  }
  bool parse(const char* text, MenuChoice* c, std::string* why = nullptr) {
    char w[128] = {};
    bool ok = parse_menu_choice(text, catalog, options, c, w, sizeof(w));
    if (why) *why = w;
    return ok;
  }
  // `text` parses to a choice of `kind` (the model, for kModel, is checked by the caller).
  ::testing::AssertionResult chooses(const char* text, MenuChoice::Kind kind) {
    MenuChoice c;
    std::string why;
    if (!parse(text, &c, &why)) return ::testing::AssertionFailure() << "'" << text << "': " << why;
    if (c.kind != kind)
      return ::testing::AssertionFailure() << "'" << text << "' gave kind " << c.kind;
    return ::testing::AssertionSuccess();
  }
};

TEST_F(MenuTest, ListsUsableModelsNumberedAndBrokenOnesWithTheReason) {
  ModelDrive* drives[] = {&drive};
  print_catalog(catalog, drives, 1);
  const std::string& out = scope.console.output;
  EXPECT_NE(out.find("Models on usb0p1 INFERPI:"), std::string::npos) << out;
  EXPECT_NE(out.find("   1  demo-llama     Fake   fakearch f32     23 KB"), std::string::npos)
      << out;
  EXPECT_NE(out.find("   2  demo-nanochat  Fake"), std::string::npos) << out;
  EXPECT_NE(out.find("   -  broken         cannot load: no tokenizer.bin next to model.bin"),
            std::string::npos)
      << out;
}

TEST_F(MenuTest, ValidChoices) {
  MenuChoice c;
  ASSERT_TRUE(parse("1", &c));
  EXPECT_EQ(c.kind, MenuChoice::kModel);
  EXPECT_STREQ(c.model->name, "demo-llama");
  ASSERT_TRUE(parse("  2 ", &c));
  EXPECT_STREQ(c.model->name, "demo-nanochat");
  EXPECT_TRUE(chooses("r", MenuChoice::kRescan));
  EXPECT_TRUE(chooses("RESCAN", MenuChoice::kRescan));
}

TEST_F(MenuTest, InvalidChoicesSayWhy) {
  MenuChoice c;
  std::string why;
  for (const char* bad :
       {"0", "3", "-1", "1x", "abc", "99999999999999", "", "q", "!shell", "1 2", "\xFF\xFE"}) {
    EXPECT_FALSE(parse(bad, &c, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  parse("7", &c, &why);
  EXPECT_EQ(why, "Not a choice: '7'. Type a number from 1 to 2.");
}

TEST_F(MenuTest, ShellAndQuitOnlyWhenTheBoardOffersThem) {
  options.has_shell = true;
  options.can_quit = true;
  EXPECT_TRUE(chooses("!shell", MenuChoice::kShell));
  EXPECT_TRUE(chooses("q", MenuChoice::kQuit));
}

TEST_F(MenuTest, DiagOnlyWhenTheBoardOffersIt) {
  MenuChoice c;
  EXPECT_FALSE(parse("!diag", &c));
  options.has_diag = true;
  EXPECT_TRUE(chooses("!diag", MenuChoice::kDiag));
  EXPECT_TRUE(chooses("  !DIAG ", MenuChoice::kDiag));
}

TEST_F(MenuTest, AskRepromptsUntilValid) {
  scope.console.input = "nope\n5\n" + std::string(5000, '1') + "\n2\n";
  char buf[64];
  LineReader in(buf, sizeof(buf));
  MenuChoice c = ask_menu_choice(catalog, in, options);
  ASSERT_EQ(c.kind, MenuChoice::kModel);
  EXPECT_STREQ(c.model->name, "demo-nanochat");
  const std::string& out = scope.console.output;
  EXPECT_NE(out.find("Not a choice: 'nope'"), std::string::npos);
  EXPECT_NE(out.find("Not a choice: '5'"), std::string::npos);
  EXPECT_NE(out.find("Input cut"), std::string::npos);
}

TEST_F(MenuTest, EmptyDriveAndNoDrive) {
  MemDrive empty("usb0p1");
  ModelDrive* drives[] = {&empty};
  ModelCatalog none;
  none.scan(drives, 1, arena, fake_registry());
  print_catalog(none, drives, 1);
  EXPECT_NE(scope.console.output.find("(no model folders)"), std::string::npos);
  EXPECT_NE(scope.console.output.find("No model to load."), std::string::npos);
  MenuChoice c;
  char why[128];
  EXPECT_TRUE(parse_menu_choice("", none, options, &c, why, sizeof(why)));
  EXPECT_EQ(c.kind, MenuChoice::kRescan);
  EXPECT_FALSE(parse_menu_choice("1", none, options, &c, why, sizeof(why)));

  scope.console.output.clear();
  none.scan(nullptr, 0, arena, fake_registry());
  print_catalog(none, nullptr, 0);
  EXPECT_NE(scope.console.output.find("No drive found"), std::string::npos);
}

}  // namespace
}  // namespace inferpi
