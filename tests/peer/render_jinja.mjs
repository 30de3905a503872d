// Renders HF chat templates with @huggingface/jinja (the reference Jinja implementation the
// template tests compare our built-in templates with). Request (JSON file, argv[2]):
//   [{"template": "...", "messages": [{role, content}...], "bos_token": "<s>",
//     "eos_token": "</s>", "add_generation_prompt": true, "enable_thinking": false?}, ...]
//      "date_string": "26 Jul 2024"?}, ...]
// Answer on stdout: a JSON array of rendered strings. Llama 3.x templates print today's date
// (strftime_now); InferPi has no clock on the Pi and renders the templates' own fallback
// date, so the test passes that date as date_string.
import fs from "node:fs";
import {Template} from "@huggingface/jinja";

const requests = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = requests.map((r) => {
  const vars = {messages: r.messages, bos_token: r.bos_token, eos_token: r.eos_token,
                add_generation_prompt: r.add_generation_prompt};
  if (r.enable_thinking !== undefined) vars.enable_thinking = r.enable_thinking;
  if (r.date_string !== undefined) vars.date_string = r.date_string;
  return new Template(r.template).render(vars);
});
process.stdout.write(JSON.stringify(out) + "\n");
