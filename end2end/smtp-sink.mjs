// A real SMTP server on loopback for the browser tests: it accepts every
// message and shows what it received as JSON at GET /mails on a second,
// HTTP port. Enough of RFC 5321 for lettre (EHLO, MAIL, RCPT, DATA, QUIT).
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";

const smtpPort = Number(process.env.SMTP_PORT ?? 2525);
const httpPort = Number(process.env.SMTP_HTTP_PORT ?? 2526);
const mails = [];

createServer((socket) => {
  let buffer = "";
  let inData = false;
  let mail = { from: "", to: [], data: "" };
  const reply = (line) => socket.write(line + "\r\n");
  reply("220 sink ESMTP ready");
  socket.on("data", (chunk) => {
    buffer += chunk.toString("utf8");
    let at;
    while ((at = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      if (inData) {
        if (line === ".") {
          inData = false;
          mails.push({ ...mail, receivedAt: Date.now() });
          mail = { from: "", to: [], data: "" };
          reply("250 queued");
        } else {
          mail.data += (line.startsWith(".") ? line.slice(1) : line) + "\n";
        }
        continue;
      }
      const upper = line.toUpperCase();
      if (upper.startsWith("EHLO")) socket.write("250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
      else if (upper.startsWith("HELO") || upper.startsWith("NOOP") || upper.startsWith("RSET")) reply("250 ok");
      else if (upper.startsWith("MAIL FROM:")) { mail.from = line.slice(10).trim(); reply("250 ok"); }
      else if (upper.startsWith("RCPT TO:")) { mail.to.push(line.slice(8).trim().replace(/^<|>$/g, "")); reply("250 ok"); }
      else if (upper === "DATA") { inData = true; reply("354 end with ."); }
      else if (upper === "QUIT") { reply("221 bye"); socket.end(); }
      else reply("502 not implemented");
    }
  });
  socket.on("error", () => {});
}).listen(smtpPort, "127.0.0.1");

createHttpServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(req.url === "/mails" ? mails : { ok: true }));
}).listen(httpPort, "127.0.0.1");
