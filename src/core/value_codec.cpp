// Compact, exact, reversible byte encoding of value lists.
#include "value_codec.h"

#include <charconv>
#include <cstring>

#include "ferry/error.h"

namespace ferry::codec {

namespace {

void putVarint(std::string& out, std::uint64_t n) {
    while (n >= 0x80) {
        out.push_back(static_cast<char>((n & 0x7f) | 0x80));
        n >>= 7;
    }
    out.push_back(static_cast<char>(n));
}

std::uint64_t getVarint(std::string_view bytes, std::size_t& pos) {
    std::uint64_t n = 0;
    int shift = 0;
    while (pos < bytes.size() && shift < 64) {
        const auto b = static_cast<unsigned char>(bytes[pos++]);
        n |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            return n;
        }
        shift += 7;
    }
    throw Error(ErrorCode::StateStore, "the local state holds a malformed key");
}

template <typename T>
std::string numberText(T value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

template <typename T>
T parseNumber(std::string_view text) {
    T value{};
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc()) {
        throw Error(ErrorCode::StateStore, "the local state holds a malformed number");
    }
    return value;
}

void putPayload(std::string& out, ValueType type, std::string_view payload) {
    out.push_back(static_cast<char>(type));
    putVarint(out, payload.size());
    out.append(payload);
}

}  // namespace

void encodeAppend(std::string& out, const Value& value) {
    switch (value.type()) {
        case ValueType::Null:
            putPayload(out, ValueType::Null, {});
            break;
        case ValueType::Bool:
            putPayload(out, ValueType::Bool, value.asBool() ? "1" : "0");
            break;
        case ValueType::Int: {
            // Big-endian with the sign bit flipped: byte order is numeric order, so keys that
            // arrive in order are appended to the state store's indexes instead of scattered.
            const auto bits = static_cast<std::uint64_t>(value.asInt()) ^ (1ULL << 63);
            char bytes[8];
            for (int i = 0; i < 8; ++i) {
                bytes[i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
            }
            putPayload(out, ValueType::Int, std::string_view(bytes, 8));
            break;
        }
        case ValueType::Double:
            putPayload(out, ValueType::Double, numberText(value.asDouble()));
            break;
        case ValueType::Decimal:
            putPayload(out, ValueType::Decimal, value.asDecimal().text);
            break;
        case ValueType::String:
            putPayload(out, ValueType::String, value.asString());
            break;
        case ValueType::DateTime:
            putPayload(out, ValueType::DateTime, numberText(value.asDateTime().micros));
            break;
        case ValueType::Date:
            putPayload(out, ValueType::Date, numberText(value.asDate().days));
            break;
        case ValueType::Guid:
            putPayload(out, ValueType::Guid, value.asGuid().text);
            break;
        case ValueType::Binary: {
            const auto& bytes = value.asBinary().bytes;
            putPayload(out, ValueType::Binary,
                       std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
            break;
        }
    }
}

std::string encode(const std::vector<Value>& values) {
    std::string out;
    for (const auto& value : values) {
        encodeAppend(out, value);
    }
    return out;
}

std::vector<Value> decode(std::string_view bytes) {
    std::vector<Value> values;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const auto type = static_cast<ValueType>(bytes[pos++]);
        const auto length = getVarint(bytes, pos);
        if (length > bytes.size() - pos) {
            throw Error(ErrorCode::StateStore, "the local state holds a truncated key");
        }
        const std::string_view payload = bytes.substr(pos, length);
        pos += length;
        switch (type) {
            case ValueType::Null:
                values.emplace_back();
                break;
            case ValueType::Bool:
                values.emplace_back(payload == "1");
                break;
            case ValueType::Int: {
                if (payload.size() != 8) {
                    throw Error(ErrorCode::StateStore, "the local state holds a malformed number");
                }
                std::uint64_t bits = 0;
                for (const char b : payload) {
                    bits = (bits << 8) | static_cast<unsigned char>(b);
                }
                values.emplace_back(static_cast<std::int64_t>(bits ^ (1ULL << 63)));
                break;
            }
            case ValueType::Double:
                values.emplace_back(parseNumber<double>(payload));
                break;
            case ValueType::Decimal:
                values.emplace_back(Decimal{std::string(payload)});
                break;
            case ValueType::String:
                values.emplace_back(std::string(payload));
                break;
            case ValueType::DateTime:
                values.emplace_back(DateTime{parseNumber<std::int64_t>(payload)});
                break;
            case ValueType::Date:
                values.emplace_back(Date{parseNumber<std::int32_t>(payload)});
                break;
            case ValueType::Guid:
                values.emplace_back(Guid{std::string(payload)});
                break;
            case ValueType::Binary: {
                Binary binary;
                binary.bytes.assign(payload.begin(), payload.end());
                values.emplace_back(std::move(binary));
                break;
            }
            default:
                throw Error(ErrorCode::StateStore, "the local state holds an unknown value type");
        }
    }
    return values;
}

std::string display(const std::vector<Value>& values) {
    std::string text;
    for (std::size_t i = 0; i < values.size(); ++i) {
        text += (i == 0 ? "" : ", ") + values[i].toDisplay();
    }
    return text;
}

}  // namespace ferry::codec
