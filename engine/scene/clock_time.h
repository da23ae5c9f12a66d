// Wall-clock times of day as scene files spell them ("20:00", "20:00:30"),
// for countdowns to a moment of the show's day.
#pragma once

#include <optional>
#include <string_view>

namespace mq::scene {

// Seconds since midnight of "HH:MM" or "HH:MM:SS" (24-hour, two digits each),
// or nullopt when the text is not such a time.
std::optional<double> parseClockTime(std::string_view text);

}  // namespace mq::scene
