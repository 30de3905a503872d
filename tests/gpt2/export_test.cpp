// export_gpt2.py and the engine on tiny random checkpoints of every nanochat variant
// (built by make_checkpoint.py with numpy and our own torch.save writer), compared with a
// numpy reference of nanochat's forward pass; and the refusals on bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/gpt2/gpt2_test_util.h"

using namespace gpt2test;

namespace {

int make(const std::string& args, std::string* out) {
  return run(std::string(INFERPI_PYTHON) + " " + INFERPI_SOURCE_DIR +
                 "/tests/gpt2/make_checkpoint.py " + args,
             out);
}

std::string export_args(const std::string& dir) {
  return "--checkpoint-dir '" + dir + "/chatsft_checkpoints/d4' --tokenizer-dir '" + dir +
         "/tokenizer'";
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0;
  for (size_t i = 0; i < a.size(); i++) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

class Variant : public ::testing::TestWithParam<int> {};

}  // namespace

TEST(Gpt2Export, NumpyReferenceMatchesNanochatGolden) {
  std::string g = shared_dir() + "/golden/nanochat_gqa_sssl";
  if (!exists(g + "/golden.json")) GTEST_SKIP() << "../shared/golden not present";
  std::string out;
  ASSERT_EQ(make("golden-check '" + g + "'", &out), 0) << out;
  std::printf("numpy reference vs nanochat golden logits: max abs error %s", out.c_str());
  EXPECT_LE(std::stod(out), 1e-4);
}

TEST_P(Variant, LoadsAndMatchesReference) {
  const int v = GetParam();
  std::string dir = fresh_dir("variant" + std::to_string(v)), out;
  // V4 also covers bf16 embeddings and the torch.compile key prefix.
  ASSERT_EQ(make("tiny --variant " + std::to_string(v) + " --out '" + dir + "'" +
                     (v == 4   ? " --bf16 --prefix _orig_mod."
                      : v == 2 ? " --prefix module._orig_mod."
                               : ""),
                 &out),
            0)
      << out;
  ASSERT_EQ(run_exporter(export_args(dir) + " --output_dir '" + dir + "/out'", &out), 0) << out;
  EXPECT_NE(out.find("variant V" + std::to_string(v)), std::string::npos) << out;
  EXPECT_NE(out.find("step 1"), std::string::npos) << "latest step not picked: " << out;
  Loaded m;  // f32 KV cache: compared with the numpy reference's f32 attention
  ASSERT_EQ(load(dir + "/out", &m, 0, inferpi::KvType::F32), "ok");
  const auto& cfg = m.gpt2()->config();
  EXPECT_EQ(int(cfg.variant), v);
  EXPECT_EQ(cfg.padded_vocab, 320);  // vocab 272 padded to a multiple of 64
  std::vector<int> ids = read_json(dir + "/tokens.json").ints();
  std::vector<float> want = read_f32(dir + "/expected.f32");
  const int V = m.engine->info().vocab_size;
  ASSERT_EQ(want.size(), ids.size() * V);
  std::vector<float> got(want.size());
  // Prefill in uneven chunks: exercises the carried smear state and the windows.
  for (size_t p = 0; p < ids.size(); p += 45) {
    int k = int(std::min<size_t>(45, ids.size() - p));
    ASSERT_TRUE(m.engine->forward(ids.data() + p, k, got.data() + p * V));
  }
  float worst = max_abs_diff(got, want);
  std::printf("variant V%d: max abs logit error vs numpy reference %.3g\n", v, worst);
  EXPECT_LE(worst, 1e-4f);
}

INSTANTIATE_TEST_SUITE_P(Gpt2Export, Variant, ::testing::Values(0, 1, 2, 3, 4));

TEST(Gpt2Export, SoftcapOverrideAndDtypes) {
  std::string dir = fresh_dir("softcap"), out;
  ASSERT_EQ(make("tiny --variant 2 --out '" + dir + "'", &out), 0) << out;
  ASSERT_EQ(
      run_exporter(export_args(dir) + " --softcap 20 --dtype q8_0 --output_dir '" + dir + "/out'",
                   &out),
      0)
      << out;
  Loaded m;
  ASSERT_EQ(load(dir + "/out", &m), "ok");
  EXPECT_EQ(m.gpt2()->config().softcap, 20.0f);
  EXPECT_STREQ(m.engine->info().dtype, "q8_0");
  std::vector<int> ids = read_json(dir + "/tokens.json").ints();
  ASSERT_TRUE(m.engine->forward(ids.data(), 10));
  for (int i = 0; i < m.engine->info().vocab_size; i++)
    ASSERT_TRUE(std::isfinite(m.engine->logits()[i]));
}

TEST(Gpt2Export, BaseCheckpointIsCompletionMode) {
  std::string dir = fresh_dir("base"), out;
  ASSERT_EQ(make("tiny --variant 1 --out '" + dir + "'", &out), 0) << out;
  ASSERT_EQ(run_exporter(export_args(dir) + " --chat no --output_dir '" + dir + "/out'", &out), 0)
      << out;
  Loaded m;
  ASSERT_EQ(load(dir + "/out", &m), "ok");
  inferpi::ChatFormat& chat = m.engine->chat_format();
  EXPECT_FALSE(chat.is_chat());
  int ids[64], n = 0;
  ASSERT_TRUE(chat.render_user_turn(m.engine->tokenizer(), "the", true, ids, 64, &n));
  ASSERT_EQ(n, 2);  // <|bos|> + "the"
  EXPECT_EQ(ids[0], m.engine->tokenizer().bos_id());
  EXPECT_EQ(ids[1], 257);
}

TEST(Gpt2Export, UnknownKeyLayoutIsRefusedNamingTheKeys) {
  std::string dir = fresh_dir("engram"), out;
  ASSERT_EQ(
      make("tiny --variant 1 --out '" + dir + "' --extra-key bigram_embed.embed.weight", &out), 0)
      << out;
  EXPECT_NE(run_exporter(export_args(dir) + " --output_dir '" + dir + "/out'", &out), 0);
  EXPECT_NE(out.find("unknown key layout"), std::string::npos) << out;
  EXPECT_NE(out.find("bigram_embed.embed.weight"), std::string::npos) << out;
  EXPECT_FALSE(exists(dir + "/out/model.bin"));
}

TEST(Gpt2Export, PickleCallingOutsideTheAllowlistIsRefused) {
  for (const char* call : {"os.system", "builtins.eval", "subprocess.Popen"}) {
    std::string dir = fresh_dir("evil"), out;
    ASSERT_EQ(make(std::string("evil --out '") + dir + "' --call " + call, &out), 0) << out;
    EXPECT_NE(run_exporter("--checkpoint-dir '" + dir + "/ckpt' --tokenizer-dir '" + dir +
                               "' --output_dir '" + dir + "/out'",
                           &out),
              0);
    EXPECT_NE(out.find(std::string("refusing to unpickle '") + call + "'"), std::string::npos)
        << out;
    EXPECT_EQ(out.find("echo"), std::string::npos) << "the payload ran? " << out;
  }
}

TEST(Gpt2Export, TruncatedOrCorruptCheckpointsAreRefused) {
  std::string dir = fresh_dir("corrupt"), out;
  ASSERT_EQ(make("tiny --variant 3 --out '" + dir + "'", &out), 0) << out;
  std::string pt = dir + "/chatsft_checkpoints/d4/model_000001.pt";
  std::vector<uint8_t> good = read_file(pt);
  auto write = [&](const std::vector<uint8_t>& bytes) {
    FILE* f = fopen(pt.c_str(), "wb");
    fwrite(bytes.data(), 1, bytes.size(), f);
    fclose(f);
  };
  // Truncated: the zip directory is gone.
  write(std::vector<uint8_t>(good.begin(), good.begin() + long(good.size() / 2)));
  EXPECT_NE(run_exporter(export_args(dir) + " --output_dir '" + dir + "/out'", &out), 0);
  EXPECT_NE(out.find("not a readable torch zip checkpoint"), std::string::npos) << out;
  EXPECT_EQ(out.find("Traceback"), std::string::npos) << out;
  // Corrupt pickle bytes (the data.pkl entry starts right after its local header).
  std::vector<uint8_t> bad = good;
  for (size_t i = 60; i < 400; i++) bad[i] ^= 0x5a;
  write(bad);
  EXPECT_NE(run_exporter(export_args(dir) + " --output_dir '" + dir + "/out'", &out), 0);
  EXPECT_NE(out.find("export_gpt2: error:"), std::string::npos) << out;
  EXPECT_EQ(out.find("Traceback"), std::string::npos) << out;
  // Not a zip at all.
  write(std::vector<uint8_t>(100, 'x'));
  EXPECT_NE(run_exporter(export_args(dir) + " --output_dir '" + dir + "/out'", &out), 0);
  EXPECT_NE(out.find("not a readable torch zip checkpoint"), std::string::npos) << out;
  EXPECT_FALSE(exists(dir + "/out/model.bin"));
}

TEST(Gpt2Export, MissingMetaJsonIsRefused) {
  std::string dir = fresh_dir("nometa"), out;
  ASSERT_EQ(make("tiny --variant 4 --no-meta --out '" + dir + "'", &out), 0) << out;
  EXPECT_NE(run_exporter(export_args(dir) + " --output_dir '" + dir + "/out'", &out), 0);
  EXPECT_NE(out.find("missing"), std::string::npos) << out;
  EXPECT_NE(out.find("meta_000001.json"), std::string::npos) << out;
}

TEST(Gpt2Export, EngineRefusesDamagedModelFiles) {
  std::string dir = fresh_dir("damaged"), out;
  ASSERT_EQ(make("tiny --variant 4 --out '" + dir + "'", &out), 0) << out;
  ASSERT_EQ(run_exporter(export_args(dir) + " --output_dir '" + dir + "/out'", &out), 0) << out;
  std::vector<uint8_t> model = read_file(dir + "/out/model.bin");
  std::vector<uint8_t> tok = read_file(dir + "/out/tokenizer.bin");
  std::unique_ptr<uint8_t[]> mem(new uint8_t[64 << 20]);
  auto try_load = [&](const std::vector<uint8_t>& m) {
    inferpi::Arena arena(mem.get(), 64 << 20);
    inferpi::ModelFiles files{m.data(), m.size(), tok.data(), tok.size()};
    inferpi::Engine* e = nullptr;
    return std::string(
        inferpi::kGpt2EngineFactory.create(files, inferpi::EngineOptions{}, arena, &e).message());
  };
  EXPECT_EQ(try_load(model), "ok");
  for (size_t cut : {size_t(8), size_t(200), size_t(300), model.size() / 2, model.size() - 1}) {
    std::string msg = try_load(std::vector<uint8_t>(model.begin(), model.begin() + long(cut)));
    EXPECT_NE(msg, "ok") << "cut at " << cut;
    EXPECT_NE(msg.find("model.bin"), std::string::npos) << msg;
  }
  std::vector<uint8_t> bad = model;
  bad[27] = 0x7f;  // n_layer: huge
  EXPECT_NE(try_load(bad).find("implausible"), std::string::npos);
  bad = model;
  bad[4] = 9;  // version
  EXPECT_NE(try_load(bad).find("version"), std::string::npos);
  bad = model;
  // First tensor entry's offset (table at header+layers) pointed far outside the file.
  size_t entry = 256 + 4 * 16;
  for (int i = 0; i < 8; i++) bad[entry + 88 + size_t(i)] = 0x7f;
  EXPECT_NE(try_load(bad).find("outside the file"), std::string::npos) << try_load(bad);
  // Tokens outside the vocabulary and context overflow are errors, not crashes.
  Loaded m;
  ASSERT_EQ(load(dir + "/out", &m, 16), "ok");
  int badtok = 100000;
  EXPECT_FALSE(m.engine->forward(&badtok, 1));
  std::vector<int> many(17, 1);
  inferpi::Status st = m.engine->forward(many.data(), 17);
  EXPECT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("context"), std::string::npos) << st.message();
}
