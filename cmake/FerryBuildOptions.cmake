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
endif()

if(FERRY_SANITIZE)
    # e.g. -DFERRY_SANITIZE=address,undefined
    target_compile_options(ferry_build_options INTERFACE -fsanitize=${FERRY_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(ferry_build_options INTERFACE -fsanitize=${FERRY_SANITIZE})
endif()
