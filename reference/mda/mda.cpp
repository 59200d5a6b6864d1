// mda/mda.cpp — final delivery: Return-Path, store, trace.
#include "mda/mda.hpp"

#include "message/header.hpp"
#include "message/trace_fields.hpp"

namespace smtplab::mda {

Prepared prepare(const std::string& reverse_path, std::string_view content) {
  // RFC 5321 §4.4: "SMTP servers making final delivery MAY remove Return-path header
  // fields before adding their own." We do: a Return-Path already in the message was
  // written by the sender, not by the envelope, and would let them forge where
  // bounces go. The rest of the message is kept byte for byte.
  Prepared prepared;
  prepared.stored = message::remove_fields(content, "Return-Path");
  // RFC 5321 §4.4: "it inserts a return-path line at the beginning of the mail data".
  prepared.return_path = message::return_path_value(reverse_path);
  prepared.stored.insert(0, message::format_field("Return-Path", prepared.return_path));
  return prepared;
}

DeliveryResult Mda::deliver(const std::string& reverse_path, const std::string& user,
                            std::string_view folder, std::string_view content) {
  Prepared prepared = prepare(reverse_path, content);
  const StoreResult stored = store_.deliver(user, folder, prepared.stored, host_.clock().now_ms());
  return record(user, folder, prepared, stored);
}

DeliveryResult Mda::record(const std::string& user, std::string_view folder, Prepared& prepared,
                           const StoreResult& stored) {
  DeliveryResult result;
  result.id = stored.id;
  result.error = stored.error;
  result.bytes = prepared.stored.size();

  Event event;
  event.kind = EventKind::Delivery;
  event.summary = result.ok()
                      ? std::string(folder) + " of " + user + ": " + std::to_string(result.bytes) + " bytes"
                      : "delivery to " + std::string(folder) + " of " + user + " failed: " + result.error;
  event.explain = "kind.delivery";
  event.rfc = "RFC 5321 §4.4";
  event.with("user", user)
      .with("folder", std::string(folder))
      .with("id", result.id)
      .with("return_path", prepared.return_path);
  if (!result.ok()) event.with("error", result.error);
  event.bytes = std::move(prepared.stored);
  host_.emit(std::move(event), host_.name() + "/mailbox:" + user);
  return result;
}

}  // namespace smtplab::mda
