# One INTERFACE target that every Ferry target links: language level, warnings, sanitizers.
add_library(ferry_build_options INTERFACE)
target_compile_features(ferry_build_options INTERFACE cxx_std_20)

if(MSVC)
    target_compile_options(ferry_build_options INTERFACE /W4 /permissive- /utf-8)
else()
    target_compile_options(ferry_build_options INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
    if(FERRY_WARNINGS_AS_ERRORS)
        target_compile_options(ferry_build_options INTERFACE -Werror)
    endif()
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # GCC 12 at -O3 reports string concatenation inside libstdc++ as overlapping memcpy
        # (GCC bug 105329): a false positive that would fail Release builds with -Werror.
        target_compile_options(ferry_build_options INTERFACE -Wno-restrict)
    endif()
endif()

if(FERRY_SANITIZE)
    # e.g. -DFERRY_SANITIZE=address,undefined
    target_compile_options(ferry_build_options INTERFACE -fsanitize=${FERRY_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(ferry_build_options INTERFACE -fsanitize=${FERRY_SANITIZE})
endif()
