// run_appliance end to end on the host with fake drives and engines: menu → load → chat →
// /exit → menu → another model, storage re-initialised each time, memory back to the mark;
// and the bad paths, each a message and back to the menu.
#include <gtest/gtest.h>

#include <string>

#include "runtime/app/appliance.h"
#include "tests/app/app_fakes.h"

namespace inferpi {
namespace {

using namespace inferpi::testing;  // the fakes (app_fakes.h)

struct Board {
  std::vector<MemDrive*> drives;  // what init_storage finds, per call (cycled)
  std::vector<std::vector<MemDrive*>> per_call;
  int storage_inits = 0;
  int health_reads = 0;
  int shells = 0;
  SocHealth health;
};

void board_init_storage(AppContext& ctx) {
  Board& b = *static_cast<Board*>(ctx.board);
  const std::vector<MemDrive*>& found =
      b.per_call.empty()
          ? b.drives
          : b.per_call[size_t(b.storage_inits) < b.per_call.size() ? size_t(b.storage_inits)
                                                                   : b.per_call.size() - 1];
  b.storage_inits++;
  ctx.drive_count = 0;
  for (MemDrive* d : found) ctx.drives[ctx.drive_count++] = d;
}

bool board_health(AppContext& ctx, SocHealth* out) {
  Board& b = *static_cast<Board*>(ctx.board);
  b.health_reads++;
  *out = b.health;
  return true;
}

void board_shell(AppContext& ctx) {
  static_cast<Board*>(ctx.board)->shells++;
  kprint("[debug shell]\n");
}

struct ApplianceTest : ::testing::Test {
  testing::ConsoleScope scope;
  std::vector<uint8_t> memory = std::vector<uint8_t>(16 << 20);
  Arena arena{memory.data(), memory.size()};
  MemDrive usb{"usb0p1 INFERPI"};
  Board board;
  RecordingChat chat;
  AppContext ctx;

  ApplianceTest() {
    usb.add_file("demo-llama/model.bin", fake_model(200000));
    usb.add_file("demo-llama/tokenizer.bin", fake_tokenizer());
    usb.add_file("demo-nanochat/model.bin", fake_model(100000));
    usb.add_file("demo-nanochat/tokenizer.bin", fake_tokenizer());
    board.drives = {&usb};
    ctx.model_arena = &arena;
    ctx.board_name = "Test board";
    ctx.init_storage = board_init_storage;
    ctx.board = &board;
    ctx.chat = &chat;
    ctx.registry = fake_registry();
    ctx.can_quit = true;
  }
  int run(const std::string& input) {
    scope.console.input = input;
    return run_appliance(ctx);
  }
  const std::string& out() const { return scope.console.output; }
  size_t count(const std::string& what) const {
    size_t n = 0;
    for (size_t p = out().find(what); p != std::string::npos; p = out().find(what, p + 1)) n++;
    return n;
  }
};

TEST_F(ApplianceTest, PickChatExitPickAnotherQuit) {
  ASSERT_EQ(run("1\nhello there\n/stats\n/exit\n2\nsecond model\n/exit\nq\n"), 0);
  ASSERT_EQ(chat.models.size(), 2u) << out();
  EXPECT_EQ(chat.models[0], "demo-llama");
  EXPECT_EQ(chat.models[1], "demo-nanochat");
  ASSERT_EQ(chat.lines.size(), 2u);
  EXPECT_EQ(chat.lines[0], "hello there");
  EXPECT_EQ(chat.lines[1], "second model");
  EXPECT_EQ(chat.ended, 2);
  // Storage at start and after each /exit (USB re-initialised), menu shown three times.
  EXPECT_EQ(board.storage_inits, 3);
  EXPECT_EQ(count("Choose a model [1-2]"), 3u) << out();
  EXPECT_NE(out().find("InferPi on Test board"), std::string::npos);
  EXPECT_NE(out().find("Context: 64 tokens"), std::string::npos);  // /stats reached the chat
  EXPECT_NE(out().find("Memory: "), std::string::npos);
  EXPECT_NE(out().find("Unloaded demo-llama."), std::string::npos);
  // Everything after the input line buffer was given back.
  EXPECT_LE(arena.used(), kMaxInputLine + 64);  // + alignment of the arena's base
}

TEST_F(ApplianceTest, ArenaIsResetOnExitSoTheSameModelLoadsAgainAndAgain) {
  // Memory for exactly one load: without the reset the second load could not fit.
  std::vector<uint8_t> small(2 << 20);
  Arena tight(small.data(), small.size());
  usb.files["demo-llama/model.bin"] = fake_model(1'500'000);
  ctx.model_arena = &tight;
  std::string script;
  for (int i = 0; i < 5; i++) script += "1\nhi\n/exit\n";
  ASSERT_EQ(run(script + "q\n"), 0);
  EXPECT_EQ(chat.models.size(), 5u) << out();
  EXPECT_EQ(count("Cannot load"), 0u);
}

TEST_F(ApplianceTest, NoDriveThenRescanFindsTheStick) {
  board.per_call = {{}, {&usb}};
  ASSERT_EQ(run("1\n\n1\n/exit\nq\n"), 0);
  EXPECT_NE(out().find("No drive found"), std::string::npos);
  EXPECT_NE(out().find("There is no model to choose"), std::string::npos);
  EXPECT_EQ(chat.models.size(), 1u);
  EXPECT_GE(board.storage_inits, 2);
}

TEST_F(ApplianceTest, EmptyDriveSaysWhatAModelIs) {
  MemDrive empty("usb0p1 EMPTY");
  board.drives = {&empty};
  ASSERT_EQ(run("\nq\n"), 0);
  EXPECT_NE(out().find("(no model folders)"), std::string::npos);
  EXPECT_NE(out().find("No model to load. A model is a folder"), std::string::npos);
  EXPECT_EQ(board.storage_inits, 2);  // Enter rescanned
}

TEST_F(ApplianceTest, BrokenModelsAreListedNotSelectable) {
  usb.add_file("no-tok/model.bin", fake_model(10));
  usb.add_file("corrupt/model.bin", std::vector<uint8_t>(64, 0));
  usb.add_file("corrupt/tokenizer.bin", fake_tokenizer());
  ASSERT_EQ(run("3\nq\n"), 0);
  EXPECT_NE(out().find("   -  no-tok         cannot load: no tokenizer.bin next to model.bin"),
            std::string::npos)
      << out();
  EXPECT_NE(out().find("   -  corrupt        cannot load: not a model file we know"),
            std::string::npos);
  EXPECT_NE(out().find("Not a choice: '3'. Type a number from 1 to 2."), std::string::npos);
  EXPECT_TRUE(chat.models.empty());
}

TEST_F(ApplianceTest, ModelLargerThanMemoryGoesBackToTheMenu) {
  usb.files["demo-llama/model.bin"] = fake_model(20'000'000);
  ASSERT_EQ(run("1\n2\n/exit\nq\n"), 0);
  EXPECT_NE(out().find("Cannot load demo-llama: model needs 20 MB, largest free block is"),
            std::string::npos)
      << out();
  EXPECT_NE(out().find("Back to the menu."), std::string::npos);
  ASSERT_EQ(chat.models.size(), 1u);  // the other one still loads afterwards
  EXPECT_EQ(chat.models[0], "demo-nanochat");
}

TEST_F(ApplianceTest, SetCtxRebuildsTheEngineOrSaysWhatFits) {
  // 8 MB of KV cache at the full 1024 tokens, about 7.7 MB free after the files: the load
  // picks 768 tokens and says so; 512 fit, 1024 do not.
  usb.files["demo-llama/model.bin"] = fake_model(9'000'000, 1024, 8'000'000);
  ASSERT_EQ(run("1\n/set ctx 512\n/stats\n/set ctx 1024\n/stats\n/set ctx 5000\n/set ctx x\n"
                "/exit\nq\n"),
            0);
  EXPECT_NE(out().find("Context: 768 of the model's 1024 tokens, the most that fits in memory"),
            std::string::npos)
      << out();
  EXPECT_NE(out().find("Context: 512 tokens (KV cache and activations rebuilt; new conversation)"),
            std::string::npos)
      << out();
  EXPECT_NE(out().find("Context 1024 does not fit: KV cache: out of memory"), std::string::npos)
      << out();
  EXPECT_NE(out().find("Keeping 512 tokens."), std::string::npos) << out();
  EXPECT_EQ(count("Context: 512 tokens\n"), 2u) << out();  // /stats after both
  EXPECT_NE(out().find("was trained for 1024 tokens: /set ctx 1024 or less."), std::string::npos);
  EXPECT_NE(out().find("usage: /set ctx N (16 to 1024 tokens; now 512)"), std::string::npos);
  EXPECT_EQ(chat.models.size(), 3u);  // the chat began again after each rebuild
  EXPECT_LE(arena.used(), kMaxInputLine + 64);
}

TEST_F(ApplianceTest, TruncatedTokenizerAtLoadGoesBackToTheMenu) {
  usb.files["demo-llama/tokenizer.bin"] = {'F', 'T'};
  ASSERT_EQ(run("1\nq\n"), 0);
  EXPECT_NE(out().find("Cannot load demo-llama: tokenizer.bin: bad magic"), std::string::npos)
      << out();
}

TEST_F(ApplianceTest, TenThousandCharactersAreCutWithAMessage) {
  ASSERT_EQ(run("1\n" + std::string(10000, 'a') + "\n/exit\n" + std::string(10000, '2') + "\nq\n"),
            0);
  ASSERT_EQ(chat.lines.size(), 1u);
  EXPECT_EQ(chat.lines[0].size(), kMaxInputLine - 1);
  EXPECT_NE(out().find("[input cut: the line had 7953 characters more than the limit of 2047"),
            std::string::npos)
      << out().substr(0, 2000);
  EXPECT_NE(out().find("Input cut: 7953 characters over the limit"), std::string::npos);
}

TEST_F(ApplianceTest, TempStatsHelpAndBenchCommands) {
  ctx.read_health = board_health;
  board.health.has_temperature = true;
  board.health.temperature_mc = 48312;
  board.health.has_throttled = true;
  board.health.throttled = 0x50005;  // under-voltage + throttled, now and since boot
  board.health.has_arm_clock = true;
  board.health.arm_clock_hz = 1800000000;
  ASSERT_EQ(run("1\n/temp\n/help\n/bench\nhello\n/exit\nq\n"), 0);
  EXPECT_NE(out().find("SoC temperature: 48.3 C"), std::string::npos) << out();
  EXPECT_NE(out().find("Throttling now: under-voltage, throttled; since boot: under-voltage, "
                       "throttled (flags 0x50005)"),
            std::string::npos);
  EXPECT_NE(out().find("ARM clock (measured): 1800 MHz"), std::string::npos);
  EXPECT_NE(out().find("(fake chat help)"), std::string::npos);
  EXPECT_NE(out().find("/exit                  unload the model"), std::string::npos);
  EXPECT_NE(out().find("/bench is not part of this build."), std::string::npos);
  EXPECT_EQ(chat.lines.size(), 1u);  // only "hello" reached the chat
}

TEST_F(ApplianceTest, ThrottlingThatStartsDuringAReplyIsReported) {
  ctx.read_health = board_health;
  board.health.has_throttled = true;
  board.health.throttled = 0;
  // The fake chat's reply flips the flag via the board state between turns.
  struct FlipChat : RecordingChat {
    Board* board;
    void handle_line(const char* line) override {
      RecordingChat::handle_line(line);
      board->health.throttled = 0x00001;
    }
  } flip;
  flip.board = &board;
  ctx.chat = &flip;
  ASSERT_EQ(run("1\nhi\nagain\n/exit\nq\n"), 0);
  EXPECT_EQ(count("[health] the SoC reports: under-voltage."), 1u) << out();
}

TEST_F(ApplianceTest, DebugShellFromTheMenu) {
  ctx.run_shell = board_shell;
  ASSERT_EQ(run("!shell\nq\n"), 0);
  EXPECT_EQ(board.shells, 1);
  EXPECT_NE(out().find("!shell = debug shell"), std::string::npos);
}

TEST_F(ApplianceTest, EchoForTheUart) {
  ctx.echo_input = true;
  ASSERT_EQ(run("1\nhey\n/exit\nq\n"), 0);
  EXPECT_NE(out().find("> hey\r\n"), std::string::npos);
}

TEST_F(ApplianceTest, EndOfInputQuitsFromAnywhere) {
  EXPECT_EQ(run("1\nhello"), 0);
  EXPECT_EQ(chat.lines.size(), 1u);
  EXPECT_EQ(run(""), 0);
}

TEST_F(ApplianceTest, MissingSetupIsAnError) {
  ctx.chat = nullptr;
  EXPECT_EQ(run(""), 1);
  EXPECT_NE(out().find("no chat screen"), std::string::npos);
}

}  // namespace
}  // namespace inferpi
